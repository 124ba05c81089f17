import { randomUUID } from 'node:crypto';
import type { ActivationBatch } from '@damon/contracts';
import { auroc, normalGenerator } from '@damon/detectors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  kafkaBus,
  monitorEnv,
  startMonitor,
  SyntheticModel,
  TopicRecorder,
  waitFor,
  servers,
  type TestDatabase,
} from '@damon/monitor-testing';
import { RepresentationStageHandler } from './representation-stage.handler';

const DIM = 16;
const BATCH = 50;
const REFERENCE_BATCHES = 12;
const STREAM_BATCHES = 20;
const ALPHA = 0.05;

/** The same events for another subject: new ids, the same vectors and item ids. */
function forSubject(events: readonly ActivationBatch[], subjectId: string): ActivationBatch[] {
  return events.map((e) => ({
    ...e,
    eventId: randomUUID(),
    batchId: randomUUID(),
    subject: { ...e.subject, id: subjectId },
  }));
}

/**
 * Issue 12: moving the scoring and the fit into worker threads must not change what is detected.
 * One stream, sent to a monitor that computes inline (MONITOR_WORKERS=0) and then, as other
 * subjects, to one that computes in a worker thread and one with two: the fused p-value of every item
 * is the same,
 * so the AUROC on the planted items and the false-positive rate at α are too.
 */
describe('representation scoring inline and in worker threads (real Kafka and PostgreSQL)', () => {
  const bus = kafkaBus(servers().brokers);
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase(servers().databaseUrl);
  });

  afterAll(async () => {
    await bus.close();
    await db?.drop();
  });

  it('gives every item the same fused p-value, AUROC and false-positive rate', async () => {
    const model = new SyntheticModel(DIM, 11);
    const randn = normalGenerator(404);
    const template = `template-${randomUUID()}`;
    const reference = Array.from({ length: REFERENCE_BATCHES }, () =>
      model.batch(template, BATCH, randn, { trusted: true }),
    );
    const planted = new Set([4, 19, 33]);
    const stream = Array.from({ length: STREAM_BATCHES }, (_, b) =>
      model.batch(template, BATCH, randn, { anomalous: b % 4 === 1 ? planted : undefined, prefix: `b${b}` }),
    );
    const isPlanted = (itemId: string) => {
      const [b, i] = itemId.slice(1).split('-').map(Number);
      return b % 4 === 1 && planted.has(i);
    };

    const fusedPValues = async (workers: string): Promise<Map<string, number>> => {
      const subjectId = `model-${workers}w-${randomUUID()}`;
      const monitor = await startMonitor(
        () => new RepresentationStageHandler(),
        monitorEnv({
          KAFKA_BROKERS: servers().brokers,
          DATABASE_URL: db.url,
          MONITOR_GROUP: `repr-pool-${workers}-${randomUUID()}`,
          MONITOR_REFERENCE_SIZE: String(REFERENCE_BATCHES * BATCH),
          MONITOR_ALPHA: String(ALPHA),
          MONITOR_WORKERS: workers,
        }),
      );
      const recorder = new TopicRecorder(bus, ['damon.scores'], (_t, v) => v.subject.id === subjectId);
      try {
        expect(monitor.service.compute().mode).toBe(workers === '0' ? 'inline' : 'worker-threads');
        await recorder.start();
        await bus.publishMany('damon.telemetry.repr', forSubject([...reference, ...stream], subjectId));
        const fused = () => recorder.of('damon.scores').filter((s) => s.detector === 'fused-layers');
        await waitFor(
          () => new Set(fused().map((s) => s.eventId)).size === STREAM_BATCHES,
          120_000,
          `every stream batch scored (MONITOR_WORKERS=${workers})`,
        );
        return new Map(fused().flatMap((s) => s.items.map((i) => [i.itemId, i.pValue] as const)));
      } finally {
        await recorder.stop();
        await monitor.close();
      }
    };

    const inline = await fusedPValues('0');
    const pooled = await fusedPValues('1');
    // Two workers: a fetch's batches have their component parts computed in two threads at once, then
    // are fused in order from them (the adaptive fusion pools evidence across batches).
    const twoWorkers = await fusedPValues('2');
    expect(inline.size).toBe(STREAM_BATCHES * BATCH);
    for (const other of [pooled, twoWorkers]) {
      expect([...other.keys()].sort()).toEqual([...inline.keys()].sort());
      for (const [itemId, p] of inline) expect(other.get(itemId), itemId).toBeCloseTo(p, 12);
    }

    const summary = (pValues: Map<string, number>) => {
      const clean = [...pValues].filter(([id]) => !isPlanted(id)).map(([, p]) => p);
      const plantedP = [...pValues].filter(([id]) => isPlanted(id)).map(([, p]) => p);
      // Scores where larger is more anomalous: −log p.
      const score = (p: number) => -Math.log(Math.max(p, 1e-300));
      return {
        auroc: auroc(clean.map(score), plantedP.map(score)),
        falsePositiveRate: clean.filter((p) => p <= ALPHA).length / clean.length,
      };
    };
    const a = summary(inline);
    const b = summary(pooled);
    console.log(
      `[worker pool] inline auroc=${a.auroc.toFixed(4)} fpr=${a.falsePositiveRate.toFixed(4)}; worker threads auroc=${b.auroc.toFixed(4)} fpr=${b.falsePositiveRate.toFixed(4)}`,
    );
    expect(b).toEqual(a);
    // The plant is found and the clean rate is near α, so equality above is not of two empty results.
    expect(a.auroc).toBeGreaterThan(0.95);
    expect(a.falsePositiveRate).toBeLessThan(3 * ALPHA);
  });
});
