"""ActivationMonitor against the real broker: shapes, values, trusted window, contrast pairs, errors."""

import base64
import logging
import uuid

import numpy as np
import pytest
import torch

import damon
from models import mlp, tiny_gpt2
from test_contracts import contract_validator


def read_batches(reader, model_id, count):
    return reader.for_subject(model_id, count, timeout=30)


def test_mlp_hooks_send_one_row_per_item_and_layer_with_the_layer_outputs(client, reader):
    repr_topic = reader(damon.topics.REPRESENTATIONS)
    model, model_id = mlp(), f"mlp-{uuid.uuid4()}"
    monitor = damon.ActivationMonitor(model, layers=["1", "3"], model_id=model_id)
    x = torch.randn(5, 8)
    with torch.no_grad():
        out = model(x)
        expected_1 = torch.relu(model[0](x))
        expected_3 = torch.relu(model[2](expected_1))
    client.flush()
    (batch,) = read_batches(repr_topic, model_id, 1)
    assert out.shape == (5, 3)
    assert contract_validator("ActivationBatch").is_valid(batch)
    assert [l["name"] for l in batch["layers"]] == ["1", "3"]
    assert [l["dim"] for l in batch["layers"]] == [16, 12]
    assert [l["vectors"]["shape"] for l in batch["layers"]] == [[5, 16], [5, 12]]
    assert len(batch["items"]) == 5 and len({i["itemId"] for i in batch["items"]}) == 5
    np.testing.assert_allclose(damon.decode_vectors(batch["layers"][0]["vectors"]), expected_1.numpy(), rtol=1e-6)
    np.testing.assert_allclose(damon.decode_vectors(batch["layers"][1]["vectors"]), expected_3.numpy(), rtol=1e-6)
    assert batch["trusted"] is False and "framing" not in batch
    assert repr_topic.keys[-1] == model_id
    monitor.remove()


def test_tiny_gpt2_blocks_are_pooled_over_tokens_as_the_hidden_states_say(client, reader):
    repr_topic = reader(damon.topics.REPRESENTATIONS)
    model, model_id = tiny_gpt2(), f"gpt2-{uuid.uuid4()}"
    monitor = damon.ActivationMonitor(model, layers=["transformer.h.0", "transformer.h.1"], model_id=model_id, pool="mean")
    last = damon.ActivationMonitor(model, layers=["transformer.h.1"], model_id=model_id + "-last", pool="last")
    ids = torch.randint(0, 50, (4, 10))
    with torch.no_grad():
        hidden = model(ids, output_hidden_states=True).hidden_states
    client.flush()
    (batch,) = read_batches(repr_topic, model_id, 1)
    (last_batch,) = read_batches(repr_topic, model_id + "-last", 1)
    assert contract_validator("ActivationBatch").is_valid(batch)
    # hidden_states[i + 1] is block i's output (the last one has ln_f applied, hence n_layer=3).
    for layer, block in zip(batch["layers"], (1, 2)):
        assert layer["vectors"]["shape"] == [4, 32]
        np.testing.assert_allclose(damon.decode_vectors(layer["vectors"]), hidden[block].mean(dim=1).numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(damon.decode_vectors(last_batch["layers"][0]["vectors"]), hidden[2][:, -1, :].numpy(), rtol=1e-5, atol=1e-6)
    monitor.remove()
    last.remove()


def test_an_unknown_layer_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match=r"unknown layer\(s\) \['transformer.h.9'\].*valid names: 'transformer', 'transformer.wte'"):
        damon.ActivationMonitor(tiny_gpt2(), layers=["transformer.h.9"], model_id="m", client=object())


def test_the_trusted_window_marks_its_batches_and_sample_rate_zero_sends_nothing(client, reader):
    repr_topic = reader(damon.topics.REPRESENTATIONS)
    model, model_id = mlp(), f"mlp-{uuid.uuid4()}"
    monitor = damon.ActivationMonitor(model, layers=["1"], model_id=model_id, linger=60)  # batches cut by content, not time
    silent = damon.ActivationMonitor(model, layers=["3"], model_id=model_id + "-silent", sample_rate=0.0)
    with torch.no_grad():
        model(torch.randn(2, 8))
        with monitor.trusted():
            model(torch.randn(3, 8))
            model(torch.randn(4, 8))
        model(torch.randn(5, 8))
    client.flush()
    # Consecutive passes coalesce into one batch; the trusted window's edges cut batches.
    batches = read_batches(repr_topic, model_id, 3)
    assert [(len(b["items"]), b["trusted"]) for b in batches] == [(2, False), (7, True), (5, False)]
    repr_topic.drain(1.0)
    assert not [m for m in repr_topic.messages if m["subject"]["id"] == model_id + "-silent"]
    assert silent.sent == 0 and monitor.sent == 4 and monitor.batches == 3
    monitor.remove()
    silent.remove()


def test_contrast_sends_an_observed_and_an_unobserved_batch_sharing_pair_and_item_ids(client, reader):
    repr_topic = reader(damon.topics.REPRESENTATIONS)
    model, model_id = tiny_gpt2(), f"gpt2-{uuid.uuid4()}"
    monitor = damon.ActivationMonitor(model, layers=["transformer.h.0"], model_id=model_id, sample_rate=0.0)
    cue = torch.full((3, 2), 7)
    prompts = torch.randint(0, 50, (3, 6))
    with torch.no_grad():
        watched, unwatched = monitor.contrast(prompts, observed=lambda p: torch.cat([cue, p], dim=1), unobserved=lambda p: p)
    client.flush()
    observed, unobserved = read_batches(repr_topic, model_id, 2)
    assert watched.logits.shape == (3, 8, 50) and unwatched.logits.shape == (3, 6, 50)
    assert observed["framing"]["variant"] == "observed" and unobserved["framing"]["variant"] == "unobserved"
    assert observed["framing"]["pairId"] == unobserved["framing"]["pairId"]
    assert [i["itemId"] for i in observed["items"]] == [i["itemId"] for i in unobserved["items"]]
    assert not np.allclose(damon.decode_vectors(observed["layers"][0]["vectors"]), damon.decode_vectors(unobserved["layers"][0]["vectors"]))
    monitor.remove()


def test_a_hook_that_raises_never_breaks_the_forward_pass_and_is_counted_and_logged_once(client, reader, caplog):
    model, model_id = mlp(), f"mlp-{uuid.uuid4()}"
    x = torch.randn(4, 8)
    with torch.no_grad():
        clean = model(x)

    def broken_pool(t):
        raise RuntimeError("pool exploded")

    monitor = damon.ActivationMonitor(model, layers=["1", "3"], model_id=model_id, pool=broken_pool)
    with caplog.at_level(logging.WARNING, logger="damon"), torch.no_grad():
        outputs = [model(x) for _ in range(3)]
    for out in outputs:
        assert torch.equal(out, clean)
    # Each layer hook fails, then the batch misses its layers: counted, never raised.
    assert monitor.errors >= 6 and monitor.sent == 0
    assert [r.getMessage() for r in caplog.records].count(caplog.records[0].getMessage()) == 1
    assert "pool exploded" in caplog.records[0].getMessage() and len(caplog.records) == 1
    monitor.remove()
    with torch.no_grad():
        assert torch.equal(model(x), clean)


def test_remove_detaches_every_hook(client, reader):
    model, model_id = mlp(), f"mlp-{uuid.uuid4()}"
    monitor = damon.ActivationMonitor(model, layers=["1", "3"], model_id=model_id)
    monitor.remove()
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())
    with torch.no_grad():
        model(torch.randn(2, 8))
    assert monitor.sent == 0


def test_a_forward_pass_that_raises_leaves_the_monitor_working(client, reader):
    repr_topic = reader(damon.topics.REPRESENTATIONS)
    model, model_id = mlp(), f"mlp-{uuid.uuid4()}"
    monitor = damon.ActivationMonitor(model, layers=["1"], model_id=model_id)
    with torch.no_grad():
        with pytest.raises(RuntimeError):
            model(torch.randn(2, 5))  # wrong input width: the user's own error, raised as usual
        model(torch.randn(3, 8))
    client.flush()
    (batch,) = read_batches(repr_topic, model_id, 1)
    assert len(batch["items"]) == 3 and monitor.sent == 1
    monitor.remove()


def test_consecutive_passes_coalesce_into_batches_of_at_most_max_rows_in_order(client, reader):
    repr_topic = reader(damon.topics.REPRESENTATIONS)
    model, model_id = mlp(), f"mlp-{uuid.uuid4()}"
    monitor = damon.ActivationMonitor(model, layers=["1"], model_id=model_id, max_rows=10, linger=60)
    xs = [torch.randn(4, 8) for _ in range(6)]  # 24 rows: 4 + 4 (8), then 4 + 4 (8), then 4 + 4 (8)
    with torch.no_grad():
        for x in xs:
            model(x)
        expected = torch.cat([torch.relu(model[0](x)) for x in xs]).numpy()
    client.flush()
    batches = read_batches(repr_topic, model_id, 3)
    assert [len(b["items"]) for b in batches] == [8, 8, 8] and monitor.sent == 6 and monitor.batches == 3
    assert all(contract_validator("ActivationBatch").is_valid(b) for b in batches)
    got = np.concatenate([damon.decode_vectors(b["layers"][0]["vectors"]) for b in batches])
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    ids = [i["itemId"] for b in batches for i in b["items"]]
    assert len(set(ids)) == 24
    monitor.remove()


def test_held_rows_leave_after_linger_without_a_flush(client, reader):
    repr_topic = reader(damon.topics.REPRESENTATIONS)
    model, model_id = mlp(), f"mlp-{uuid.uuid4()}"
    monitor = damon.ActivationMonitor(model, layers=["3"], model_id=model_id, linger=0.3)
    with torch.no_grad():
        model(torch.randn(3, 8))
        model(torch.randn(2, 8))
    assert monitor.batches == 0  # held, not sent yet
    (batch,) = read_batches(repr_topic, model_id, 1)  # no flush(): the encoder thread sends it
    assert len(batch["items"]) == 5 and monitor.batches == 1
    monitor.remove()


def test_the_named_items_and_outputs_of_coalesced_passes_stay_with_their_rows(client, reader):
    repr_topic = reader(damon.topics.REPRESENTATIONS)
    model, model_id = mlp(), f"mlp-{uuid.uuid4()}"
    monitor = damon.ActivationMonitor(model, layers=["1"], model_id=model_id, linger=60)
    with torch.no_grad():
        model(torch.randn(2, 8))
        with monitor.items(["a", "b"], outputs=[{"label": "yes"}, {"score": 0.5}]):
            model(torch.randn(2, 8))
    client.flush()
    (batch,) = read_batches(repr_topic, model_id, 1)
    assert [i["itemId"] for i in batch["items"]][2:] == ["a", "b"]
    assert [i.get("output") for i in batch["items"]] == [None, None, {"label": "yes"}, {"score": 0.5}]
    monitor.remove()


@pytest.mark.parametrize("passes", [1, 3])
def test_invalid_batches_are_refused_before_they_are_sent_first_batch_and_later_ones(client, reader, passes):
    """The first batch of a monitor is validated in full, later ones without the base64 alphabet of
    the SDK's own encoding; both refuse a bad field (here an item output score that is not finite)."""
    repr_topic = reader(damon.topics.REPRESENTATIONS)
    model, model_id = mlp(), f"mlp-{uuid.uuid4()}"
    monitor = damon.ActivationMonitor(model, layers=["1"], model_id=model_id)
    with torch.no_grad():
        for _ in range(passes - 1):  # valid batches first: the bad one is not the monitor's first
            model(torch.randn(2, 8))
            client.flush()
        with monitor.items(["a"], outputs=[{"score": float("nan")}]):
            model(torch.randn(1, 8))
    client.flush()
    assert monitor.errors == 1
    repr_topic.drain(1.5)
    sent = [m for m in repr_topic.messages if m["subject"]["id"] == model_id]
    assert len(sent) == passes - 1 and all(len(m["items"]) == 2 for m in sent)
    monitor.remove()


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_a_model_running_in_half_precision_sends_its_own_values_in_the_binary_form(client, reader, dtype):
    repr_topic = reader(damon.topics.REPRESENTATIONS)
    torch_dtype = getattr(torch, dtype)
    model, model_id = tiny_gpt2().to(torch_dtype), f"gpt2-{dtype}-{uuid.uuid4()}"
    monitor = damon.ActivationMonitor(model, layers=["transformer.h.0", "transformer.h.1"], model_id=model_id, pool="last", dtype=dtype)
    ids = torch.randint(0, 50, (4, 10))
    with torch.no_grad():
        hidden = model(ids, output_hidden_states=True).hidden_states
    client.flush()
    (batch,) = read_batches(repr_topic, model_id, 1)
    assert repr_topic.form_of(batch) == "binary"
    assert contract_validator("ActivationBatch").is_valid(batch)
    for layer, block in zip(batch["layers"], (1, 2)):
        assert layer["vectors"]["dtype"] == dtype and layer["vectors"]["shape"] == [4, 32]
        # Bit for bit the model's own half-precision outputs: nothing was upcast and rounded back.
        expected = hidden[block][:, -1, :].contiguous()
        assert base64.b64decode(layer["vectors"]["data"]) == expected.view(torch.int16).numpy().tobytes()
    assert monitor.errors == 0
    monitor.remove()


def test_a_float32_model_monitored_in_bfloat16_rounds_as_the_contracts_do_and_json_stays_available(brokers, damon_topics, reader):
    repr_topic = reader(damon.topics.REPRESENTATIONS)
    json_client = damon.Client(brokers, wire="json")
    model, model_id = mlp(), f"mlp-bf16-{uuid.uuid4()}"
    monitor = damon.ActivationMonitor(model, layers=["1"], model_id=model_id, dtype="bfloat16", client=json_client)
    x = torch.randn(6, 8)
    with torch.no_grad():
        model(x)
        expected = torch.relu(model[0](x))
    json_client.flush()
    (batch,) = read_batches(repr_topic, model_id, 1)
    assert repr_topic.form_of(batch) == "json"
    vectors = batch["layers"][0]["vectors"]
    assert vectors["dtype"] == "bfloat16"
    # torch's own float32 -> bfloat16 cast (round to nearest even) as the independent reference.
    assert base64.b64decode(vectors["data"]) == expected.to(torch.bfloat16).view(torch.int16).numpy().tobytes()
    with pytest.raises(ValueError, match="dtype 'float64' must be one of float32, float16, bfloat16"):
        damon.ActivationMonitor(model, layers=["1"], model_id=model_id, dtype="float64", client=json_client)
    monitor.remove()
    json_client.close()
