"""npm run bench:sdk — the Python SDK's cost, against the real broker at KAFKA_BROKERS.

1. hook_overhead_pct: a tiny GPT-2 (2 blocks, d=64, batch 8 × 32 tokens) forward pass with and
   without an ActivationMonitor on both blocks at sample_rate=1 (its default coalescing: pooling and
   the copy in the pass; encoding, validation and the hand-over to librdkafka on the encoder thread,
   competing for the GIL and the cores), medians of interleaved rounds in one process.
2. vectors_per_s: ActivationBatches of 256 items × d=768 (one layer) sent through the client for a few
   seconds and flushed, validated as an ActivationMonitor's batches are (sdk_encoded): vectors (one
   item's activation in one layer) delivered per second.
Last line: `sdk: hook_overhead_pct=… vectors_per_s=…`.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import uuid

import numpy as np
import torch
from transformers import GPT2Config, GPT2LMHeadModel

import damon
from damon.envelope import envelope
from damon.vectors import encode_vectors

ROUNDS = int(os.environ.get("SDK_BENCH_ROUNDS", "15"))
# One intra-op thread: on 2 shared cores torch's spinning OpenMP workers and librdkafka's threads
# otherwise fight over the cores and the forward time varies several-fold between rounds.
THREADS = int(os.environ.get("SDK_BENCH_TORCH_THREADS", "1"))
FORWARDS = 50


def timed_forwards(model, ids, clock=time.perf_counter) -> float:
    start = clock()
    with torch.no_grad():
        for _ in range(FORWARDS):
            model(ids)
    return (clock() - start) / FORWARDS


def hook_overhead(client: damon.Client) -> tuple[float, float, float, float]:
    torch.manual_seed(0)
    model = GPT2LMHeadModel(GPT2Config(n_layer=2, n_embd=64, n_head=4, vocab_size=1000, n_positions=64)).eval()
    ids = torch.randint(0, 1000, (8, 32))
    timed_forwards(model, ids)  # warm-up
    bare, monitored, bare_cpu, monitored_cpu = [], [], [], []
    model_id = f"bench-gpt2-{uuid.uuid4()}"
    for _ in range(ROUNDS):
        bare.append(timed_forwards(model, ids))
        bare_cpu.append(timed_forwards(model, ids, time.thread_time))
        monitor = damon.ActivationMonitor(model, layers=["transformer.h.0", "transformer.h.1"], model_id=model_id, sample_rate=1.0, client=client)
        monitored.append(timed_forwards(model, ids))
        monitored_cpu.append(timed_forwards(model, ids, time.thread_time))
        monitor.remove()
        assert monitor.errors == 0, "the monitor failed during the bench"
    client.flush(60)
    b, m = statistics.median(bare), statistics.median(monitored)
    bc, mc = statistics.median(bare_cpu), statistics.median(monitored_cpu)
    return (m - b) / b * 100, b * 1e3, m * 1e3, (mc - bc) / bc * 100


def producer_rate(client: damon.Client, seconds: float = 6.0) -> float:
    rng = np.random.default_rng(0)
    items, dim = 256, 768
    rows = rng.standard_normal((items, dim), dtype=np.float32)
    model_id = f"bench-producer-{uuid.uuid4()}"
    item_list = [{"itemId": f"i{i}"} for i in range(items)]
    sent = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        event = {
            **envelope("model", model_id),
            "batchId": str(uuid.uuid4()),
            "trusted": False,
            "items": item_list,
            "layers": [{"name": "h.0", "dim": dim, "vectors": encode_vectors(rows)}],
        }
        # As the monitors send theirs: vectors from encode_vectors (raw bytes, the binary wire), sdk_encoded validation.
        client.send("ActivationBatch", event, sdk_encoded=True)
        sent += 1
    client.flush(120)
    elapsed = time.perf_counter() - start
    return sent * items / elapsed


def producer_breakdown(repeats: int = 20) -> str:
    """Where a producer's time goes per 256 × 768 batch (one thread, no broker)."""
    from damon import schemas, wire

    rows = np.random.default_rng(1).standard_normal((256, 768), dtype=np.float32)

    def ms(fn) -> float:
        start = time.perf_counter()
        for _ in range(repeats):
            fn()
        return (time.perf_counter() - start) / repeats * 1e3

    vectors = encode_vectors(rows)
    event = {**envelope("model", "m"), "batchId": "b", "trusted": False, "items": [{"itemId": f"i{i}"} for i in range(256)], "layers": [{"name": "h", "dim": 768, "vectors": vectors}]}
    return (
        f"per batch of 256 × 768: encode {ms(lambda: encode_vectors(rows)):.1f} ms, "
        f"validate {ms(lambda: schemas.validate('ActivationBatch', event)):.1f} ms in full "
        f"({ms(lambda: schemas.validate('ActivationBatch', event, sdk_encoded=True)):.2f} ms as monitors' later batches are), "
        f"binary message {ms(lambda: wire.encode_message(event)):.1f} ms (json form {ms(lambda: wire.encode_message(event, binary=False)):.1f} ms)"
    )


def main() -> None:
    brokers = os.environ.get("KAFKA_BROKERS")
    if not brokers:
        sys.exit("bench:sdk needs KAFKA_BROKERS (e.g. bash infra/kafka/start, then export the line it prints)")
    torch.set_num_threads(THREADS)
    client = damon.connect(brokers=brokers)
    overhead, bare_ms, monitored_ms, cpu_overhead = hook_overhead(client)
    print(
        f"tiny GPT-2 forward (8×32 tokens, {THREADS} torch thread(s)): {bare_ms:.2f} ms bare, {monitored_ms:.2f} ms monitored "
        f"(2 layers, sample_rate=1); the forward thread's own CPU time +{cpu_overhead:.1f}% (the hooks' work, without GIL waits)"
    )
    rate = producer_rate(client)
    print(f"producer: ActivationBatch 256 × d=768, {rate:,.0f} vectors/s delivered to {brokers}")
    client.close()
    print(producer_breakdown())
    print(f"sdk: hook_overhead_pct={overhead:.1f} vectors_per_s={rate:.0f}")


if __name__ == "__main__":
    main()
