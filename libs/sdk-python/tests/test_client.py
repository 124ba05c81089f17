"""The producer client against the real broker: nothing lost at exit, back-pressure, errors."""

import os
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

import damon
from test_contracts import contract_validator


def lineage_edges(n, run_id):
    return [("generated", f"model-{i}", run_id) for i in range(n)]


def test_an_unreachable_broker_gives_a_clear_error_naming_the_brokers():
    started = time.monotonic()
    with pytest.raises(damon.BrokerUnreachableError, match=r"no Kafka broker reachable at 127\.0\.0\.1:1,127\.0\.0\.1:2 within 2\.0s"):
        damon.connect(brokers=["127.0.0.1:1", "127.0.0.1:2"], connect_timeout=2.0)
    assert time.monotonic() - started < 10


def test_no_brokers_at_all_is_refused(monkeypatch):
    monkeypatch.delenv("KAFKA_BROKERS", raising=False)
    with pytest.raises(ValueError, match="pass brokers='host:port' or set KAFKA_BROKERS"):
        damon.connect()


def test_a_process_that_exits_without_flush_loses_nothing(brokers, reader, damon_topics):
    lineage_topic = reader(damon.topics.LINEAGE)
    dataset = f"dataset-{uuid.uuid4()}"
    repr_topic = reader(damon.topics.REPRESENTATIONS)
    model_id = f"mlp-{uuid.uuid4()}"
    script = textwrap.dedent(
        f"""
        import sys, torch
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        import damon
        from models import mlp
        damon.connect(brokers={brokers!r})
        for i in range(2000):
            damon.lineage.generated(f"model-{{i}}", {dataset!r})
        model = mlp()
        monitor = damon.ActivationMonitor(model, layers=["1", "3"], model_id={model_id!r})
        with torch.no_grad():
            for _ in range(300):
                model(torch.randn(16, 8))
        assert monitor.errors == 0
        # no flush, no close: the exit hook must deliver everything, including batches still being encoded
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    # 300 passes of 16 rows, coalesced into batches of at most 256 rows, none lost.
    batches = repr_topic.read_until(lambda kept: sum(len(b["items"]) for b in kept) >= 300 * 16, lambda m: m["subject"]["id"] == model_id, timeout=60)
    assert sum(len(b["items"]) for b in batches) == 300 * 16 and max(len(b["items"]) for b in batches) <= 256
    edges = lineage_topic.for_subject(dataset, 2000, timeout=60)
    assert sorted(e["from"]["id"] for e in edges) == sorted(f"model-{i}" for i in range(2000))
    assert all(contract_validator("LineageEdge").is_valid(e) for e in edges[:50])


def test_drop_mode_drops_and_counts_when_the_buffer_is_full(brokers, damon_topics):
    client = damon.Client(brokers, on_full="drop", config={"queue.buffering.max.messages": 5, "linger.ms": 200})
    for i in range(300):
        damon.lineage.trained(f"ds-{i}", f"run-{uuid.uuid4()}", client=client)
    client.flush(30)
    assert client.stats["dropped"] > 0
    assert client.stats["sent"] + client.stats["dropped"] == 300
    assert client.stats["delivered"] == client.stats["sent"]
    client.close()


def test_block_mode_waits_for_room_and_delivers_everything(brokers, reader):
    lineage_topic = reader(damon.topics.LINEAGE)
    run = f"run-{uuid.uuid4()}"
    client = damon.Client(brokers, on_full="block", config={"queue.buffering.max.messages": 5, "linger.ms": 20})
    for i in range(300):
        damon.lineage.trained(f"ds-{i}", run, client=client)
    client.flush(30)
    assert client.stats == {"sent": 300, "delivered": 300, "failed": 0, "dropped": 0}
    assert len(lineage_topic.for_subject(run, 300, timeout=30)) == 300
    client.close()


def test_block_mode_gives_up_after_block_timeout(brokers, damon_topics):
    # A buffer of one message that librdkafka holds back for 10 s (linger) cannot drain in 0.5 s.
    client = damon.Client(brokers, on_full="block", block_timeout=0.5, config={"queue.buffering.max.messages": 1, "linger.ms": 10_000})
    damon.lineage.trained("ds-a", "run-a", client=client)
    with pytest.raises(damon.BackPressureTimeout, match="stayed full for 0.5s"):
        damon.lineage.trained("ds-b", "run-b", client=client)
    client.close()


def test_delivery_errors_are_counted_passed_to_on_error_and_raised_by_flush(private_broker):
    """A private broker (infra/kafka on free ports) that goes away after connect: the messages fail
    delivery once librdkafka's message timeout passes."""
    seen = []
    client = damon.Client(private_broker.url, on_error=lambda error, failure: seen.append(failure), config={"message.timeout.ms": 3000})
    private_broker.stop()
    for i in range(3):
        damon.lineage.trained(f"ds-{i}", "run-x", client=client)
    with pytest.raises(damon.DeliveryError, match=r"3 message\(s\) were not delivered to 127\.0\.0\.1:\d+; first: .*timed out") as raised:
        client.flush(30)
    assert client.stats["failed"] == 3 and len(raised.value.failures) == 3 and len(seen) == 3
    assert seen[0]["topic"] == damon.topics.LINEAGE and seen[0]["key"] == "run-x"
    client.flush(1)  # each failure is raised once
    client.close()


def test_invalid_events_never_reach_the_broker(client):
    with pytest.raises(damon.InvalidEventError, match=r"step: -3 is less than the minimum of 0"):
        damon.TrainingSignals(f"run-{uuid.uuid4()}").log(-3, loss=1.0)
    with pytest.raises(damon.InvalidEventError, match=r"TrainingSignal: value: nan is not a finite number"):
        damon.TrainingSignals(f"run-{uuid.uuid4()}").log(1, reward=float("nan"))
    with pytest.raises(ValueError, match="cannot be linked to itself"):
        damon.lineage.trained({"kind": "run", "id": "x"}, "x")
    assert client.stats["sent"] == 0


def test_unvalidated_payloads_with_nan_are_still_refused(brokers, damon_topics):
    client = damon.Client(brokers, validate=False)
    with pytest.raises(damon.InvalidEventError, match="TrainingSignal: a number is NaN or infinite"):
        damon.TrainingSignals("run-nan", client=client).log(1, loss=float("inf"))
    client.close()
