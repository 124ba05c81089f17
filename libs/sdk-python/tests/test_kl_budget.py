"""TrainingSignals.log's kl_budget: sent with the KL value, valid against the shipped contract."""

import uuid

import pytest

import damon
from test_contracts import contract_validator


def test_kl_budget_is_sent_with_kl_and_old_style_kl_stays_valid(client, reader):
    topic = reader(damon.topics.TRAINING)
    run = f"run-{uuid.uuid4()}"
    signals = damon.TrainingSignals(run)
    assert signals.log(1, kl=0.5, kl_budget=6.0) == 1
    assert signals.log(2, kl=0.7) == 1
    client.flush()
    events = {e["step"]: e for e in topic.for_subject(run, 2)}
    assert all(contract_validator("TrainingSignal").is_valid(e) for e in events.values())
    assert events[1]["kind"] == "kl" and events[1]["value"] == 0.5 and events[1]["budget"] == 6.0
    assert "budget" not in events[2]


def test_kl_budget_needs_kl_and_must_be_positive(client):
    signals = damon.TrainingSignals(f"run-{uuid.uuid4()}")
    with pytest.raises(ValueError, match="needs kl"):
        signals.log(1, kl_budget=6.0)
    with pytest.raises(ValueError, match="> 0"):
        signals.log(1, kl=0.5, kl_budget=0.0)
    assert not contract_validator("TrainingSignal").is_valid(
        {**damon.envelope.envelope("run", "r"), "step": 1, "kind": "kl", "value": 0.5, "budget": -1.0}
    )
