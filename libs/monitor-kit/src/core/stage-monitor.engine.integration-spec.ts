import { randomUUID } from 'node:crypto';
import { DependencyUnavailableError, MemoryBus, type Bus, type Subscription } from '@damon/bus';
import type { DeadLetter, ScoreBatch, StageAlert } from '@damon/contracts';
import { JsonLogger } from '@damon/observability';
import { createDataSource, createScratchDatabase, type ScratchDatabase } from '@damon/persistence';
import { integrationEnv } from '@damon/testing';
import { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InlineComputePool, PiscinaComputePool, type ComputePool } from './compute-pool';
import { MonitorMetrics } from './monitor-metrics';
import { StageMonitorEngine } from './stage-monitor.engine';
import { ToyStageHandler } from './testing/toy-stage.handler';
import { TOY_DIM, toyBatch, toySettings } from './testing/toy-fixtures';

/**
 * The engine on its own: a MemoryBus (the same delivery pipeline as Kafka's, in process), a scratch
 * database on the real PostgreSQL server (the transactions are the point), and a toy handler whose
 * stream state counts the events it scored per subject.
 */
const DIM = TOY_DIM;
const REFERENCE_BATCHES = 4;
const defaults = toySettings(REFERENCE_BATCHES);
const batch = toyBatch;

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('StageMonitorEngine (in-process bus, real PostgreSQL)', () => {
  let scratch: ScratchDatabase;
  let dataSource: DataSource;
  const running: { subscription: Subscription; recorder: Subscription; pool: ComputePool; bus: MemoryBus }[] =
    [];

  beforeAll(async () => {
    scratch = await createScratchDatabase(integrationEnv().databaseUrl, 'damon_engine_test');
    dataSource = await createDataSource(scratch.url, { poolSize: 4 }).initialize();
    await dataSource.runMigrations();
  });

  afterEach(async () => {
    for (const r of running.splice(0)) {
      await r.subscription.stop();
      await r.recorder.stop();
      await r.pool.close();
      await r.bus.close();
    }
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await scratch?.drop();
  });

  /** An engine on a fresh MemoryBus; `engineBus` wraps what the engine publishes through (fault injection). */
  async function start(pool: ComputePool, engineBus: (bus: MemoryBus) => Bus = (bus) => bus) {
    const bus = new MemoryBus({ logger: { warn: () => undefined, error: () => undefined } });
    const group = `engine-test-${randomUUID()}`;
    const metrics = new MonitorMetrics(new Registry(), 'representations');
    const engine = new StageMonitorEngine(
      new ToyStageHandler(),
      dataSource,
      engineBus(bus),
      metrics,
      new JsonLogger('error'),
      { group, defaults, pool },
    );
    const out = { scores: [] as ScoreBatch[], alerts: [] as StageAlert[], dlq: [] as DeadLetter[] };
    const recorder = await bus.subscribe({
      group: `${group}-recorder`,
      topics: ['damon.scores', 'damon.alerts', 'damon.dlq'],
      handler: (m) => {
        if (m.topic === 'damon.scores') out.scores.push(m.value as ScoreBatch);
        else if (m.topic === 'damon.alerts') out.alerts.push(m.value as StageAlert);
        else out.dlq.push(m.value as DeadLetter);
        return Promise.resolve();
      },
    });
    const subscription = await bus.subscribe({
      group,
      topics: ['damon.telemetry.repr'],
      batchHandler: (messages, context) => engine.handleTelemetry(messages, context),
      retry: { attempts: 3, initialBackoffMs: 20, maxBackoffMs: 100 },
    });
    await Promise.all([recorder.ready, subscription.ready]);
    running.push({ subscription, recorder, pool, bus });
    const duplicates = async () => (await metrics.duplicates.get()).values.reduce((a, v) => a + v.value, 0);
    return { bus, group, out, duplicates };
  }

  async function processedCount(group: string): Promise<number> {
    const rows = await dataSource.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM processed_events WHERE consumer_group = $1',
      [group],
    );
    return rows[0].n;
  }

  const orderOf = (scores: ScoreBatch[], subjectId: string) =>
    new Map(
      scores
        .filter((s) => s.detector === 'toy-order' && s.subject.id === subjectId)
        .map((s) => [s.items[0].itemId, s.items[0].score]),
    );

  for (const kind of ['inline', 'worker threads'] as const) {
    it(`keeps each subject's events in order and records every event once (${kind})`, async () => {
      const pool =
        kind === 'inline'
          ? new InlineComputePool(new ToyStageHandler())
          : new PiscinaComputePool(2, new ToyStageHandler().worker);
      const { bus, group, out, duplicates } = await start(pool);
      const subjects = [`a-${randomUUID()}`, `b-${randomUUID()}`, `c-${randomUUID()}`];
      const streams = new Map(subjects.map((s) => [s, Array.from({ length: 12 }, () => batch(s))]));
      const reference = subjects.flatMap((s) =>
        Array.from({ length: REFERENCE_BATCHES }, () => batch(s, { trusted: true })),
      );
      // Interleaved: a, b, c, a, b, c, … so every fetched batch mixes the subjects.
      const interleaved = Array.from({ length: 12 }, (_, i) =>
        subjects.map((s) => streams.get(s)![i]),
      ).flat();
      await bus.publishMany('damon.telemetry.repr', [...reference, ...interleaved]);
      await waitFor(
        () => subjects.every((s) => orderOf(out.scores, s).size === 12),
        60_000,
        'every batch scored',
      );
      for (const s of subjects) {
        const order = orderOf(out.scores, s);
        expect(streams.get(s)!.map((b) => order.get(b.batchId))).toEqual(
          Array.from({ length: 12 }, (_, i) => i + 1),
        );
      }
      // A redelivery of everything is skipped as duplicates: no new outputs.
      const before = out.scores.length;
      await bus.publishMany('damon.telemetry.repr', interleaved);
      await new Promise((r) => setTimeout(r, 500));
      expect(out.scores.length).toBe(before);
      expect(await duplicates()).toBe(interleaved.length);
      expect(await processedCount(group)).toBe(reference.length + interleaved.length);
      const fits = await dataSource.query<{ fit_count: number }[]>(
        'SELECT fit_count FROM monitor_subjects WHERE subject_id = ANY($1)',
        [subjects],
      );
      expect(fits.map((f) => f.fit_count)).toEqual([1, 1, 1]);
      expect(out.dlq).toEqual([]);
    });
  }

  it('dead-letters a rejected input (wrong width, NaN) naming the field, and scores the rest', async () => {
    const { bus, out } = await start(new InlineComputePool(new ToyStageHandler()));
    const s = `model-${randomUUID()}`;
    const wrongWidth = batch(s, { dim: DIM + 1 });
    const nan = batch(s);
    const raw = nan.layers[0].vectors.data;
    const bytes = typeof raw === 'string' ? Buffer.from(raw, 'base64') : Buffer.from(raw);
    bytes.writeFloatLE(Number.NaN, 0);
    nan.layers[0].vectors = { ...nan.layers[0].vectors, data: bytes.toString('base64') };
    const good = [batch(s), batch(s)];
    await bus.publishMany('damon.telemetry.repr', [
      ...Array.from({ length: REFERENCE_BATCHES }, () => batch(s, { trusted: true })),
      good[0],
      wrongWidth,
      nan,
      good[1],
    ]);
    await waitFor(
      () => out.dlq.length === 2 && orderOf(out.scores, s).size === 2,
      30_000,
      'two dead letters',
    );
    expect(out.dlq.map((d) => [d.kind, d.attempts])).toEqual([
      ['invalid', 0],
      ['invalid', 0],
    ]);
    expect(out.dlq[0].reason).toMatch(/^layers\.0: dimension 5 does not match .* 4/);
    expect(out.dlq[1].reason).toMatch(/^layers\.0\.vectors/);
    expect(out.dlq[1].reason).toMatch(/finite/);
    // The stream moved on in order: the good batch after the rejects is the second scored.
    expect(good.map((b) => orderOf(out.scores, s).get(b.batchId))).toEqual([1, 2]);
  });

  it('retries an infrastructure failure until it passes, dead-letters nothing and outputs once', async () => {
    let failures = 0;
    const { bus, group, out } = await start(new InlineComputePool(new ToyStageHandler()), (real) =>
      Object.assign(Object.create(real) as Bus, {
        publishMany: (topic: never, payloads: never[]) => {
          if (topic === 'damon.scores' && failures < 6) {
            failures += 1;
            return Promise.reject(new DependencyUnavailableError('kafka', 'broker gone (test)'));
          }
          return real.publishMany(topic, payloads);
        },
      }),
    );
    const s = `model-${randomUUID()}`;
    const stream = [batch(s), batch(s, { planted: 3 }), batch(s)];
    await bus.publishMany('damon.telemetry.repr', [
      ...Array.from({ length: REFERENCE_BATCHES }, () => batch(s, { trusted: true })),
      ...stream,
    ]);
    // Six failures: more than the retry attempts (3), which an outage must not consume.
    await waitFor(
      () => orderOf(out.scores, s).size === 3 && out.alerts.length === 1,
      30_000,
      'scores after the outage',
    );
    expect(failures).toBe(6);
    expect(out.dlq).toEqual([]);
    expect(stream.map((b) => orderOf(out.scores, s).get(b.batchId))).toEqual([1, 2, 3]);
    expect(out.scores.filter((x) => x.detector === 'toy-order')).toHaveLength(3);
    expect(out.alerts[0].evidence.itemId).toBe(`${stream[1].batchId}-3`);
    expect(await processedCount(group)).toBe(REFERENCE_BATCHES + 3);
  });

  it('rolls back processed ids with the outputs when the batch fails after scoring', async () => {
    let failures = 0;
    const { bus, group, out } = await start(new InlineComputePool(new ToyStageHandler()), (real) =>
      Object.assign(Object.create(real) as Bus, {
        publishMany: (topic: never, payloads: never[]) => {
          // Scores are already published when the alerts fail: the transaction must roll back whole.
          if (topic === 'damon.alerts' && failures < 1) {
            failures += 1;
            return Promise.reject(new Error('alerts refused (test)'));
          }
          return real.publishMany(topic, payloads);
        },
      }),
    );
    const s = `model-${randomUUID()}`;
    await bus.publishMany(
      'damon.telemetry.repr',
      Array.from({ length: REFERENCE_BATCHES }, () => batch(s, { trusted: true })),
    );
    const planted = batch(s, { planted: 7 });
    await new Promise((r) => setTimeout(r, 300));
    await bus.publish('damon.telemetry.repr', planted);
    await waitFor(() => out.alerts.length === 1, 30_000, 'the alert on the retry');
    expect(failures).toBe(1);
    // Had the processed id survived the failed attempt, the retry would have skipped the event as a
    // duplicate and no alert would exist. The first attempt's scores are republished with the same ids
    // and the same stream position (the stream state rolled back too).
    const order = out.scores.filter((x) => x.detector === 'toy-order');
    expect(order.map((x) => x.items[0].score)).toEqual([1, 1]);
    expect(new Set(order.map((x) => x.eventId)).size).toBe(1);
    expect(out.alerts[0].evidence.itemId).toBe(`${planted.batchId}-7`);
    expect(await processedCount(group)).toBe(REFERENCE_BATCHES + 1);
    expect(out.dlq).toEqual([]);
  });
});
