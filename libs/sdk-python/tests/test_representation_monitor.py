"""End to end: a tiny GPT-2 monitored through the SDK, scored by apps/representation-monitor running
as its own process against the real Kafka and PostgreSQL."""

import uuid

import torch

import damon
from models import tiny_gpt2
from test_contracts import contract_validator

LAYERS = ["transformer.h.0", "transformer.h.1", "transformer.h.2"]


def test_the_representation_monitor_accepts_the_sdk_batches_and_scores_them(client, reader, representation_monitor):
    scores = reader(damon.topics.SCORES)
    dlq = reader(damon.topics.DLQ)
    sent = reader(damon.topics.REPRESENTATIONS)
    model, model_id = tiny_gpt2(seed=4), f"gpt2-{uuid.uuid4()}"
    monitor = damon.ActivationMonitor(model, layers=LAYERS, model_id=model_id, linger=60)  # batches cut by content, not time
    cue = torch.full((8, 3), 11)
    torch.manual_seed(1)
    with torch.no_grad():
        # The reference (MONITOR_REFERENCE_SIZE=200 items): 3 observed/unobserved pairs of 8 items
        # (24 pairs, enough for the oversight-contrast detector) and 8 batches of 20.
        with monitor.trusted():
            for _ in range(3):
                monitor.contrast(torch.randint(0, 50, (8, 12)), observed=lambda p: torch.cat([cue, p], 1), unobserved=lambda p: p)
            for _ in range(8):
                model(torch.randint(0, 50, (20, 12)))
        item_ids = [f"req-{i}" for i in range(20)]
        with monitor.items(item_ids):
            model(torch.randint(0, 50, (20, 12)))
        monitor.contrast(torch.randint(0, 50, (8, 12)), observed=lambda p: torch.cat([cue, p], 1), unobserved=lambda p: p)
    client.flush()
    assert monitor.errors == 0 and monitor.sent == 3 * 2 + 8 + 1 + 2
    # Contrast passes are batches of their own; the 8 trusted passes coalesce into one batch.
    assert monitor.batches == 3 * 2 + 1 + 1 + 2
    batches = sent.for_subject(model_id, monitor.batches)
    assert all(contract_validator("ActivationBatch").is_valid(b) for b in batches)
    assert [(b["trusted"], len(b["items"])) for b in batches] == [(True, 8)] * 6 + [(True, 160), (False, 20), (False, 8), (False, 8)]

    def has(detector, layer=None):
        return lambda kept: any(m["detector"] == detector and m.get("layer") == layer for m in kept)

    kept = scores.read_until(has("oversight-contrast"), lambda m: m["subject"]["id"] == model_id, timeout=120)
    fused = [m for m in kept if m["detector"] == "fused-layers"]
    # The untrusted batch and both halves of the untrusted pair are scored; the reference is not.
    assert len(fused) == 3
    assert [i["itemId"] for i in fused[0]["items"]] == item_ids
    assert all(0 < i["pValue"] <= 1 for m in fused for i in m["items"])
    assert {m["layer"] for m in kept if m["detector"] == "gaussian"} == set(LAYERS)
    contrast = [m for m in kept if m["detector"] == "oversight-contrast"]
    assert len(contrast) == 1 and len(contrast[0]["items"]) == 8
    dlq.drain(2.0)
    assert not [d for d in dlq.messages if model_id in d.get("key", "")], "the monitor dead-lettered SDK batches"
    monitor.remove()


def test_a_bfloat16_model_sends_binary_bfloat16_batches_the_monitor_accepts_and_scores(client, reader, representation_monitor):
    scores = reader(damon.topics.SCORES)
    dlq = reader(damon.topics.DLQ)
    sent = reader(damon.topics.REPRESENTATIONS)
    model, model_id = tiny_gpt2(seed=5).to(torch.bfloat16), f"gpt2-bf16-{uuid.uuid4()}"
    monitor = damon.ActivationMonitor(model, layers=LAYERS, model_id=model_id, linger=60, dtype="bfloat16")
    torch.manual_seed(2)
    with torch.no_grad():
        with monitor.trusted():  # 220 reference items (MONITOR_REFERENCE_SIZE=200), one coalesced batch
            for _ in range(11):
                model(torch.randint(0, 50, (20, 12)))
        item_ids = [f"bf16-req-{i}" for i in range(20)]
        with monitor.items(item_ids):
            model(torch.randint(0, 50, (20, 12)))
    client.flush()
    assert monitor.errors == 0 and monitor.batches == 2
    batches = sent.for_subject(model_id, 2)
    # On the wire: DMNB v1 binary messages with bfloat16 vectors (2 bytes per value, no base64).
    assert [sent.form_of(b) for b in batches] == ["binary", "binary"]
    assert {l["vectors"]["dtype"] for b in batches for l in b["layers"]} == {"bfloat16"}
    assert all(contract_validator("ActivationBatch").is_valid(b) for b in batches)
    assert [(b["trusted"], len(b["items"])) for b in batches] == [(True, 220), (False, 20)]

    kept = scores.read_until(
        lambda kept: any(m["detector"] == "fused-layers" for m in kept), lambda m: m["subject"]["id"] == model_id, timeout=120
    )
    fused = [m for m in kept if m["detector"] == "fused-layers"]
    assert len(fused) == 1 and [i["itemId"] for i in fused[0]["items"]] == item_ids
    assert all(0 < i["pValue"] <= 1 for i in fused[0]["items"])
    dlq.drain(2.0)
    assert not [d for d in dlq.messages if model_id in d.get("key", "")], "the monitor dead-lettered the bfloat16 batches"
    monitor.remove()
