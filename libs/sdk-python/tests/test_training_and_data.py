"""TrainingSignals, the transformers callback, DatasetReporter and lineage against the real broker."""

import hashlib
import uuid
from types import SimpleNamespace

import numpy as np
import pytest
import torch

import damon
from models import mlp
from test_contracts import contract_validator


def by_kind(events):
    return {(e["step"], e["kind"]): e for e in events}


def test_log_sends_one_valid_signal_per_value_keyed_by_the_run(client, reader):
    topic = reader(damon.topics.TRAINING)
    run = f"run-{uuid.uuid4()}"
    signals = damon.TrainingSignals(run, source="reward-model-7")
    assert signals.log(3, reward=0.5, reference_reward=0.4, loss=1.25, kl=0.02, grad_norm=3.5) == 4
    with signals.trusted():
        signals.log(4, loss=1.0)
    client.flush()
    events = topic.for_subject(run, 5)
    assert all(contract_validator("TrainingSignal").is_valid(e) for e in events)
    got = by_kind(events)
    assert got[(3, "reward")]["value"] == 0.5 and got[(3, "reward")]["referenceValue"] == 0.4
    assert got[(3, "loss")]["value"] == 1.25 and got[(3, "kl")]["value"] == 0.02 and got[(3, "grad_stats")]["norm"] == 3.5
    assert got[(3, "reward")]["source"] == {"kind": "model", "id": "reward-model-7"}
    assert "trusted" not in got[(3, "loss")] and got[(4, "loss")]["trusted"] is True
    assert set(topic.keys) >= {run}


def test_preferences_one_event_per_pair(client, reader):
    topic = reader(damon.topics.TRAINING)
    run = f"run-{uuid.uuid4()}"
    damon.TrainingSignals(run).log_preferences(9, ["p1", "p2"], ["a", "b"], reference_preferred=["a", "a"], margins=[0.3, 1.5])
    client.flush()
    events = sorted(topic.for_subject(run, 2), key=lambda e: e["pairId"])
    assert [(e["pairId"], e["preferred"], e["referencePreferred"], e["margin"]) for e in events] == [("p1", "a", "a", 0.3), ("p2", "b", "a", 1.5)]


def test_gradient_norm_and_direction_sketch(client, reader):
    topic = reader(damon.topics.TRAINING)
    run = f"run-{uuid.uuid4()}"
    model = mlp()
    signals = damon.TrainingSignals(run)

    def grads(x, sign=1.0):
        model.zero_grad()
        (sign * model(x).sum()).backward()
        return torch.cat([p.grad.reshape(-1) for p in model.parameters()])

    x = torch.randn(16, 8)
    g = grads(x)
    norm = signals.log_gradients(model, step=1)
    grads(x, -2.0)
    signals.log_gradients(model, step=2)
    grads(torch.randn(16, 8) * 5)
    signals.log_gradients(model, step=3)
    client.flush()
    events = by_kind(topic.for_subject(run, 3))
    assert all(contract_validator("TrainingSignal").is_valid(e) for e in events.values())
    assert norm == pytest.approx(float(g.norm()), rel=1e-6)
    assert events[(1, "grad_stats")]["norm"] == pytest.approx(float(g.norm()), rel=1e-6)
    d1, d2, d3 = (damon.decode_vectors(events[(s, "grad_stats")]["direction"]) for s in (1, 2, 3))
    assert d1.shape == (damon.training_signals.SKETCH_DIM,)
    assert np.linalg.norm(d1) == pytest.approx(1.0, rel=1e-5)
    # The same gradient scaled by -2: the opposite direction, exactly (the sketch is linear).
    assert float(d1 @ d2) == pytest.approx(-1.0, abs=1e-5)
    # Another gradient: the sketch's cosine estimates the true cosine (CountSketch, 64 buckets).
    g3 = torch.cat([p.grad.reshape(-1) for p in model.parameters()])
    true_cos = float(g @ g3 / (g.norm() * g3.norm()))
    assert float(d1 @ d3) == pytest.approx(true_cos, abs=0.35)


def test_edits_as_low_rank_factors_or_dense(client, reader):
    topic = reader(damon.topics.TRAINING)
    run = f"run-{uuid.uuid4()}"
    signals = damon.TrainingSignals(run)
    rng = np.random.default_rng(3)
    delta = rng.normal(size=(12, 2)) @ rng.normal(size=(2, 9))
    signals.log_edit("model-9", "transformer.h.1.mlp.c_fc", delta, step=1, rank=2)
    signals.log_edit("model-9", "lm_head", torch.ones(3, 4), step=2)
    a, b = rng.normal(size=(5, 1)), rng.normal(size=(6, 1))
    signals.log_edit("model-9", "wte", (a, b), step=3)
    client.flush()
    events = by_kind(topic.for_subject(run, 3))
    assert all(contract_validator("TrainingSignal").is_valid(e) for e in events.values())
    edit = events[(1, "param_edit")]
    assert edit["target"] == {"kind": "model", "id": "model-9"} and edit["layer"] == "transformer.h.1.mlp.c_fc"
    fa, fb = damon.decode_vectors(edit["factors"]["a"]), damon.decode_vectors(edit["factors"]["b"])
    assert fa.shape == (12, 2) and fb.shape == (9, 2)
    np.testing.assert_allclose(fa @ fb.T, delta, atol=1e-4)
    assert damon.decode_vectors(events[(2, "param_edit")]["dense"]).tolist() == [[1.0] * 4] * 3
    np.testing.assert_allclose(damon.decode_vectors(events[(3, "param_edit")]["factors"]["a"]), a, rtol=1e-6)


def test_the_trainer_callback_logs_loss_grad_norm_and_trl_reward_and_kl(client, reader):
    from transformers import TrainerCallback, TrainerControl, TrainerState

    topic = reader(damon.topics.TRAINING)
    run = f"run-{uuid.uuid4()}"
    callback = damon.DamonCallback(run)
    assert isinstance(callback, TrainerCallback)
    state, control = TrainerState(), TrainerControl()
    state.global_step = 10
    callback.on_log(SimpleNamespace(), state, control, logs={"loss": 2.5, "grad_norm": 0.75, "learning_rate": 1e-4})
    state.global_step = 20
    # What TRL's GRPO/PPO-style trainers log.
    callback.on_log(SimpleNamespace(), state, control, logs={"loss": 2.0, "reward": 0.9, "kl": 0.05, "objective/kl": 9.0})
    client.flush()
    got = by_kind(topic.for_subject(run, 5))
    assert sorted(got) == [(10, "grad_stats"), (10, "loss"), (20, "kl"), (20, "loss"), (20, "reward")]
    assert got[(10, "grad_stats")]["norm"] == 0.75 and got[(20, "reward")]["value"] == 0.9 and got[(20, "kl")]["value"] == 0.05


def test_dataset_batches_carry_hashes_labels_curation_and_embeddings(client, reader):
    topic = reader(damon.topics.DATA)
    dataset = f"dataset-{uuid.uuid4()}"
    embed = lambda texts: np.array([[len(t), t.count("a")] for t in texts], dtype=np.float32)  # noqa: E731
    reporter = damon.DatasetReporter(dataset, embed=embed, generator="gen-1", curator="curator-2")
    texts = ["a cat", "banana", "zz"]
    with reporter.trusted():
        reporter.report(texts, labels=["x", "y", "x"], accepted=[True, False, True], slices=["s1", "s1", "s2"], sample_ids=["1", "2", "3"])
    reporter.report(["q"])
    client.flush()
    first, second = topic.for_subject(dataset, 2)
    assert contract_validator("DatasetBatch").is_valid(first) and contract_validator("DatasetBatch").is_valid(second)
    assert first["trusted"] is True and second["trusted"] is False
    assert first["generator"] == {"kind": "model", "id": "gen-1"} and first["curator"] == {"kind": "model", "id": "curator-2"}
    assert [s["textHash"] for s in first["samples"]] == [hashlib.sha256(t.encode()).hexdigest() for t in texts]
    assert [(s["sampleId"], s["label"], s["accepted"], s["slice"]) for s in first["samples"]] == [("1", "x", True, "s1"), ("2", "y", False, "s1"), ("3", "x", True, "s2")]
    assert damon.decode_vectors(first["embeddings"]).tolist() == [[5, 2], [6, 3], [2, 0]]
    with pytest.raises(ValueError, match="labels has 1 entries for 3 samples"):
        reporter.report(texts, labels=["x"])
    # Half-precision embeddings: a float16 tensor travels as it is, in the binary form.
    half = damon.DatasetReporter(dataset + "-f16", dtype="float16")
    embeddings = torch.tensor([[0.1, -2.0], [3.5, 1e-3]], dtype=torch.float16)
    half.report(["a", "b"], embeddings=embeddings)
    client.flush()
    (third,) = topic.for_subject(dataset + "-f16", 1)
    assert topic.form_of(third) == "binary" and third["embeddings"]["dtype"] == "float16"
    assert contract_validator("DatasetBatch").is_valid(third)
    assert damon.decode_vectors(third["embeddings"]).tolist() == embeddings.float().tolist()


def test_lineage_edges_of_each_relation(client, reader):
    topic = reader(damon.topics.LINEAGE)
    tag = uuid.uuid4().hex[:8]
    damon.lineage.generated(f"gen-{tag}", f"ds-{tag}")
    damon.lineage.trained(f"ds-{tag}", f"run-{tag}")
    damon.lineage.rewarded(f"rm-{tag}", f"run-{tag}")
    damon.lineage.produced(f"run-{tag}", f"model-{tag}")
    damon.lineage.edited(f"edit-{tag}", f"model-{tag}")
    client.flush()
    edges = topic.read_until(lambda kept: len(kept) >= 5, lambda m: m["to"]["id"].endswith(tag))
    assert all(contract_validator("LineageEdge").is_valid(e) for e in edges)
    assert sorted((e["from"]["kind"], e["relation"], e["to"]["kind"], e["subject"] == e["to"]) for e in edges) == sorted(
        [("model", "generated", "dataset", True), ("dataset", "trained", "run", True), ("model", "rewarded", "run", True), ("run", "produced", "model", True), ("edit", "edited", "model", True)]
    )


def test_a_real_trainer_run_streams_its_loss_and_grad_norm_through_the_callback(client, reader, tmp_path):
    """transformers' Trainer (with accelerate) trains a tiny GPT-2 for a few steps on the CPU; the
    callback's signals arrive on damon.telemetry.training with the Trainer's own logged values."""
    from transformers import GPT2Config, GPT2LMHeadModel, Trainer, TrainingArguments

    topic = reader(damon.topics.TRAINING)
    run = f"run-trainer-{uuid.uuid4()}"
    torch.manual_seed(0)
    model = GPT2LMHeadModel(GPT2Config(n_layer=1, n_embd=32, n_head=2, vocab_size=64, n_positions=16))
    ids = torch.randint(0, 64, (32, 16))
    dataset = [{"input_ids": row, "labels": row} for row in ids]
    steps = 6
    args = TrainingArguments(
        output_dir=str(tmp_path / "out"),
        max_steps=steps,
        logging_steps=1,
        per_device_train_batch_size=4,
        learning_rate=1e-3,
        report_to=[],
        save_strategy="no",
        use_cpu=True,
        disable_tqdm=True,
        seed=0,
    )
    callback = damon.DamonCallback(run)
    trainer = Trainer(model=model, args=args, train_dataset=dataset, callbacks=[callback])
    trainer.train()
    client.flush()
    logged = {e["step"]: e for e in trainer.state.log_history if "loss" in e and "grad_norm" in e}
    assert sorted(logged) == list(range(1, steps + 1))
    got = by_kind(topic.for_subject(run, 2 * steps, timeout=60))
    assert all(contract_validator("TrainingSignal").is_valid(e) for e in got.values())
    assert sorted(got) == sorted([(s, "loss") for s in logged] + [(s, "grad_stats") for s in logged])
    for step, entry in logged.items():
        assert got[(step, "loss")]["value"] == pytest.approx(entry["loss"], rel=1e-6)
        assert got[(step, "grad_stats")]["norm"] == pytest.approx(entry["grad_norm"], rel=1e-6)
        assert got[(step, "loss")]["subject"] == {"kind": "run", "id": run}
