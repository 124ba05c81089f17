/**
 * npm run bench:pipeline — ActivationBatches (d = 768, two layers) through the real broker into the
 * representation monitor (its own process, as deployed), against a raw kafkajs produce + consume of
 * the same bytes. Last line:
 *   pipeline: vectors_per_s=<n> broker_ratio=<ours / raw> p99_alert_latency_ms=<n>
 * Uses KAFKA_BROKERS / DATABASE_URL when set, else starts (and stops) the servers through infra/.
 */
import { randomUUID } from 'node:crypto';
import { KafkaBus } from '@damon/bus';
import { encodeVectors, type ActivationBatch, type ScoreBatch, type StageAlert } from '@damon/contracts';
import { createDataSource, createScratchDatabase } from '@damon/persistence';
import { booleanVar, integerVar, loadConfig } from '@damon/config';
import { ensureKafka, ensurePostgres, startServiceProcess, type ServiceProcess } from '@damon/testing';
import { Kafka, logLevel } from 'kafkajs';
import { z } from 'zod';

const DIM = 768;
const ITEMS = 256;
const REFERENCE_BATCHES = 8;
const benchEnv = loadConfig(
  z.object({
    BENCH_BATCHES: integerVar({ min: 10, max: 10_000, default: 160 }),
    /** MONITOR_GAUSSIAN_RANK for the monitor: auto (exact at d = 768), full or k. */
    BENCH_GAUSSIAN_RANK: z.string().default('auto').describe('auto|full|<k>'),
    BENCH_VERBOSE: booleanVar(false),
  }),
);
const STREAM_BATCHES = benchEnv.BENCH_BATCHES;
const LAYERS = 2;

function normals(seed: number): () => number {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform() || 1e-12)) * Math.cos(2 * Math.PI * uniform());
}

/** Two layers: l0 from 8 latent factors plus noise; l1 a fixed mix of l0 coordinates plus noise. */
function layerData(randn: () => number, mixing: Float32Array, anomalous: number): { l0: Float32Array; l1: Float32Array } {
  const l0 = new Float32Array(ITEMS * DIM);
  const l1 = new Float32Array(ITEMS * DIM);
  for (let r = 0; r < ITEMS; r++) {
    const z = Array.from({ length: 8 }, randn);
    for (let c = 0; c < DIM; c++) {
      let v = 0.5 * randn() + (r === anomalous ? 6 : 0);
      for (let f = 0; f < 8; f++) v += z[f] * mixing[f * DIM + c];
      l0[r * DIM + c] = v;
    }
    for (let c = 0; c < DIM; c++) l1[r * DIM + c] = 0.8 * l0[r * DIM + ((c * 7) % DIM)] + 0.2 * l0[r * DIM + c] + 0.3 * randn();
  }
  return { l0, l1 };
}

function batch(subjectId: string, trusted: boolean, layers: { l0: Float32Array; l1: Float32Array }): ActivationBatch {
  const batchId = randomUUID();
  return {
    eventId: randomUUID(),
    schemaVersion: 1,
    occurredAt: new Date().toISOString(),
    subject: { kind: 'model', id: subjectId },
    batchId,
    trusted,
    items: Array.from({ length: ITEMS }, (_, i) => ({ itemId: `${batchId}-${i}` })),
    layers: [
      { name: 'l0', dim: DIM, vectors: encodeVectors(layers.l0, [ITEMS, DIM]) },
      { name: 'l1', dim: DIM, vectors: encodeVectors(layers.l1, [ITEMS, DIM]) },
    ],
  };
}

/** Raw kafkajs: produce the same bytes with the same key, consume them back, vectors per second. */
async function rawBaseline(brokers: string, messages: Buffer[], key: string): Promise<number> {
  const kafka = new Kafka({ clientId: 'bench-raw', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const topic = `bench.raw.${randomUUID()}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  const consumer = kafka.consumer({ groupId: `bench-raw-${randomUUID()}` });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await Promise.all([consumer.connect(), producer.connect()]);
  await consumer.subscribe({ topic, fromBeginning: true });
  let received = 0;
  let done: () => void = () => undefined;
  const all = new Promise<void>((r) => (done = r));
  await consumer.run({
    eachBatch: async ({ batch: fetched, resolveOffset, commitOffsetsIfNecessary }) => {
      for (const m of fetched.messages) {
        received += 1;
        resolveOffset(m.offset);
      }
      await commitOffsetsIfNecessary();
      if (received >= messages.length) done();
    },
  });
  await new Promise((r) => setTimeout(r, 2000)); // group join
  const started = performance.now();
  for (const value of messages) await producer.send({ topic, acks: -1, messages: [{ key, value }] });
  await all;
  const seconds = (performance.now() - started) / 1000;
  await Promise.all([consumer.disconnect(), producer.disconnect()]);
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
  return (messages.length * ITEMS * LAYERS) / seconds;
}

async function startMonitor(env: Record<string, string>): Promise<ServiceProcess> {
  const monitor = startServiceProcess('apps/representation-monitor/src/main.ts', env);
  await monitor.waitFor(/"msg":"listening"/, 120_000);
  return monitor;
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
}

async function main(): Promise<void> {
  const kafka = ensureKafka();
  const postgres = ensurePostgres();
  const scratch = await createScratchDatabase(postgres.url, 'damon_bench');
  const ds = await createDataSource(scratch.url, { poolSize: 1 }).initialize();
  await ds.runMigrations();
  const bus = new KafkaBus({ brokers: kafka.url, clientId: 'bench', logger: { warn: () => undefined, error: (m) => console.error(m) } });
  let monitor: ServiceProcess | undefined;
  try {
    const subjectId = `bench-model-${randomUUID()}`;
    const randn = normals(42);
    const mixing = Float32Array.from({ length: 8 * DIM }, () => randn());
    const pool = Array.from({ length: 12 }, (_, i) => layerData(randn, mixing, i % 4 === 3 ? (i * 37) % ITEMS : -1));
    console.error(`[bench] ${STREAM_BATCHES} batches of ${ITEMS} items × ${LAYERS} layers × d=${DIM}, Gaussian rank ${benchEnv.BENCH_GAUSSIAN_RANK}`);

    const stream = Array.from({ length: STREAM_BATCHES }, (_, i) => batch(subjectId, false, pool[i % pool.length]));
    const rawMessages = stream.map((b) => Buffer.from(JSON.stringify(b)));
    const rawVectorsPerS = await rawBaseline(kafka.url, rawMessages, subjectId);
    console.error(`[bench] raw kafkajs produce+consume of the same ${(rawMessages[0].length / 1e6).toFixed(2)} MB messages: ${Math.round(rawVectorsPerS)} vectors/s`);

    monitor = await startMonitor({
      KAFKA_BROKERS: kafka.url,
      DATABASE_URL: scratch.url,
      PORT: '0',
      // info: the bench waits for the monitor's `listening` line.
      LOG_LEVEL: 'info',
      MONITOR_GROUP: `bench-${randomUUID()}`,
      MONITOR_FROM_BEGINNING: 'false',
      MONITOR_REFERENCE_SIZE: String(REFERENCE_BATCHES * ITEMS),
      MONITOR_GAUSSIAN_RANK: benchEnv.BENCH_GAUSSIAN_RANK,
    });
    const fitStarted = performance.now();
    for (let i = 0; i < REFERENCE_BATCHES; i++) await bus.publish('damon.telemetry.repr', batch(subjectId, true, layerData(randn, mixing, -1)));
    for (;;) {
      const result: unknown = await ds.query('SELECT fit_count FROM monitor_subjects WHERE subject_id = $1', [subjectId]);
      if ((result as { fit_count: number }[])[0]?.fit_count === 1) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    console.error(`[bench] reference of ${REFERENCE_BATCHES * ITEMS} items fitted in ${((performance.now() - fitStarted) / 1000).toFixed(1)} s`);

    const sentAt = new Map<string, number>();
    const latencies: number[] = [];
    let scoredBatches = 0;
    let lastScoredAt = 0;
    let finished: () => void = () => undefined;
    const allScored = new Promise<void>((r) => (finished = r));
    const watcher = await bus.subscribe({
      group: `bench-watch-${randomUUID()}`,
      topics: ['damon.scores', 'damon.alerts'],
      fromBeginning: false,
      batchHandler: (messages) => {
        const now = performance.now();
        for (const m of messages) {
          if (m.topic === 'damon.alerts') {
            const alert = m.value as StageAlert;
            const sent = sentAt.get(alert.inputEventIds[0]);
            if (sent !== undefined) latencies.push(now - sent);
          } else {
            const scores = m.value as ScoreBatch;
            if (scores.detector === 'fused-layers' && scores.subject.id === subjectId && scoredBatches < STREAM_BATCHES) {
              scoredBatches += 1;
              lastScoredAt = now;
              if (scoredBatches === STREAM_BATCHES) finished();
            }
          }
        }
        return Promise.resolve();
      },
    });
    await watcher.ready;
    const started = performance.now();
    for (let i = 0; i < stream.length; i++) {
      sentAt.set(stream[i].eventId, performance.now());
      await bus.publishRaw('damon.telemetry.repr', rawMessages[i], subjectId);
    }
    await allScored;
    await new Promise((r) => setTimeout(r, 1000)); // the last alerts
    const vectorsPerS = (STREAM_BATCHES * ITEMS * LAYERS) / ((lastScoredAt - started) / 1000);
    const saturated = [...latencies];
    console.error(
      `[bench] saturated (producer as fast as it can): ${Math.round(vectorsPerS)} vectors/s, ${saturated.length} alerts, latency p50 ${Math.round(quantile(saturated, 0.5))} ms p99 ${Math.round(quantile(saturated, 0.99))} ms (queueing)`,
    );

    // Alert latency is measured below saturation: batches paced at half the measured throughput,
    // so it shows the pipeline's own delay rather than the length of a queue the producer built.
    latencies.length = 0;
    const paced = stream.slice(0, Math.min(40, stream.length)).map((b) => ({ ...b, eventId: randomUUID(), occurredAt: new Date().toISOString() }));
    const intervalMs = (1000 * ITEMS * LAYERS) / (vectorsPerS / 2);
    for (const b of paced) {
      const t0 = performance.now();
      sentAt.set(b.eventId, t0);
      await bus.publishRaw('damon.telemetry.repr', Buffer.from(JSON.stringify(b)), subjectId);
      await new Promise((r) => setTimeout(r, Math.max(0, intervalMs - (performance.now() - t0))));
    }
    await new Promise((r) => setTimeout(r, 3000));
    await watcher.stop();
    console.error(`[bench] paced at ${Math.round(vectorsPerS / 2)} vectors/s: ${latencies.length} alerts, latency p50 ${Math.round(quantile(latencies, 0.5))} ms`);
    console.log(
      `pipeline: vectors_per_s=${Math.round(vectorsPerS)} broker_ratio=${(vectorsPerS / rawVectorsPerS).toFixed(2)} p99_alert_latency_ms=${Math.round(quantile(latencies, 0.99))}`,
    );
  } finally {
    if (monitor) {
      await monitor.stop();
      if (benchEnv.BENCH_VERBOSE) console.error(monitor.output());
    }
    await bus.close();
    await ds.destroy();
    await scratch.drop();
    kafka.stop();
    postgres.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
