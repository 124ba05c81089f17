import { randomUUID } from 'node:crypto';
import { encodeVectors, type ActivationBatch, type DeadLetter } from '@damon/contracts';
import { normalGenerator } from '@damon/detectors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  betaBinomialUpperQuantile,
  createTestDatabase,
  kafkaBus,
  monitorEnv,
  startMonitor,
  SyntheticModel,
  TopicRecorder,
  waitFor,
  servers,
  rows,
  type RunningMonitor,
  type TestDatabase,
} from '@damon/monitor-testing';
import { RepresentationStageHandler } from './representation-stage.handler';

const DIM = 16;
const REFERENCE = 2000;
const CALIBRATION_FRACTION = 0.3;
const ALPHA = 0.01;
const BATCH = 50;
const CLEAN_ITEMS = 5000;

describe('representation monitor (real Kafka and PostgreSQL)', () => {
  const subjectId = `model-${randomUUID()}`;
  const model = new SyntheticModel(DIM);
  const randn = normalGenerator(2024);
  const bus = kafkaBus(servers().brokers);
  let db: TestDatabase;
  let monitor: RunningMonitor;
  let recorder: TopicRecorder<'damon.alerts' | 'damon.scores' | 'damon.dlq'>;

  const alerts = () => recorder.of('damon.alerts');
  const fused = () => recorder.of('damon.scores').filter((s) => s.detector === 'fused-layers');
  const scoredItems = () => new Set(fused().flatMap((s) => s.items.map((i) => i.itemId))).size;

  beforeAll(async () => {
    db = await createTestDatabase(servers().databaseUrl);
    monitor = await startMonitor(
      () => new RepresentationStageHandler(),
      monitorEnv({
        KAFKA_BROKERS: servers().brokers,
        DATABASE_URL: db.url,
        MONITOR_GROUP: `repr-test-${randomUUID()}`,
        MONITOR_REFERENCE_SIZE: String(REFERENCE),
        MONITOR_CALIBRATION_FRACTION: String(CALIBRATION_FRACTION),
        MONITOR_ALPHA: String(ALPHA),
        MONITOR_MAX_BATCH_ITEMS: '500',
      }),
    );
    recorder = new TopicRecorder(bus, ['damon.alerts', 'damon.scores', 'damon.dlq'], (topic, value) =>
      topic === 'damon.dlq'
        ? (value as DeadLetter).key === subjectId
        : (value as { subject: { id: string } }).subject.id === subjectId,
    );
    await recorder.start();
  });

  afterAll(async () => {
    await recorder?.stop();
    await monitor?.close();
    await bus.close();
    await db?.drop();
  });

  it('fits on the trusted reference, then flags planted items and stays within the calibrated rate on 5,000 clean ones', async () => {
    const reference = Array.from({ length: REFERENCE / BATCH }, () =>
      model.batch(subjectId, BATCH, randn, { trusted: true }),
    );
    await bus.publishMany('damon.telemetry.repr', reference);
    const clean = Array.from({ length: CLEAN_ITEMS / BATCH }, () => model.batch(subjectId, BATCH, randn));
    const planted = new Set([3, 17, 29, 41, 48]);
    const poisoned = model.batch(subjectId, BATCH, randn, { anomalous: planted, prefix: 'poisoned' });
    await bus.publishMany('damon.telemetry.repr', [...clean.slice(0, 50), poisoned, ...clean.slice(50)]);

    await waitFor(() => scoredItems() === CLEAN_ITEMS + BATCH, 120_000, 'every item scored');
    const [subject] = await rows(
      db.dataSource,
      'SELECT phase, fit_count FROM monitor_subjects WHERE subject_id = $1',
      [subjectId],
    );
    expect(subject).toEqual({ phase: 'monitoring', fit_count: 1 });

    const plantedIds = [...planted].map((i) => `poisoned-${i}`);
    // Alerts and scores travel on different topics: wait for the alerts too.
    await waitFor(
      () => plantedIds.every((id) => alerts().some((a) => a.evidence.itemId === id)),
      30_000,
      'planted alerts',
    );
    const flagged = new Map(alerts().map((a) => [String(a.evidence.itemId), a]));
    for (const id of plantedIds) expect(flagged.has(id), `planted item ${id} alerted`).toBe(true);
    const alert = flagged.get(plantedIds[0])!;
    expect(alert).toMatchObject({
      stage: 'representations',
      detector: 'fused-layers',
      alpha: ALPHA,
      inputEventIds: [poisoned.eventId],
      subject: { kind: 'model', id: subjectId },
    });
    expect(alert.pValue).toBeLessThanOrEqual(ALPHA);
    const evidence = alert.evidence as {
      topLayers: { layer: string; pValue: number }[];
      referenceHistogram: { edges: number[]; counts: number[]; current: number };
      topSamples: { itemId: string }[];
    };
    expect(evidence.topLayers[0].pValue).toBeLessThan(0.01);
    expect(evidence.referenceHistogram.counts.reduce((a, b) => a + b, 0)).toBe(
      REFERENCE * CALIBRATION_FRACTION,
    );
    expect(evidence.referenceHistogram.current).toBeGreaterThan(evidence.referenceHistogram.edges.at(-1)!);
    expect(plantedIds).toContain(evidence.topSamples[0].itemId);

    // Clean items: each alerts with probability ≤ α given exchangeability; with 600 calibration
    // scores the realised rate varies with the calibration set, so the bound is the 0.999 quantile
    // of the beta-binomial count (≈ 2.5× the mean of 50), not of a plain binomial.
    const falseAlerts = new Set(
      alerts()
        .filter((a) => !String(a.evidence.itemId).startsWith('poisoned'))
        .map((a) => a.alertId),
    ).size;
    const bound = betaBinomialUpperQuantile(CLEAN_ITEMS, ALPHA, REFERENCE * CALIBRATION_FRACTION, 0.999);
    console.log(
      `[representations] clean items: ${falseAlerts} alerts of ${CLEAN_ITEMS} (α=${ALPHA}, 0.999 beta-binomial bound ${bound})`,
    );
    expect(falseAlerts).toBeLessThanOrEqual(bound);
  });

  it('dead-letters wrong dimension, unknown layer, NaN and oversized batches with the field named, and counts them', async () => {
    const good = () => model.batch(subjectId, 4, randn);
    const wrongDim = good();
    wrongDim.layers[1] = { name: 'l1', dim: 8, vectors: encodeVectors(new Float32Array(32), [4, 8]) };
    const unknownLayer = good();
    unknownLayer.layers.push({
      name: 'l7',
      dim: DIM,
      vectors: encodeVectors(new Float32Array(4 * DIM), [4, DIM]),
    });
    const withNaN = good();
    const bytes = Buffer.from(withNaN.layers[0].vectors.data as Uint8Array);
    bytes.writeFloatLE(Number.NaN, 4 * 5);
    withNaN.layers[0].vectors = { ...withNaN.layers[0].vectors, data: new Uint8Array(bytes) };
    const oversized = model.batch(subjectId, 501, randn);
    const after = good();
    const bad: ActivationBatch[] = [wrongDim, unknownLayer, withNaN, oversized];
    // The NaN batch is still a valid message (NaN hides in the raw vector bytes): the monitor itself must reject it.
    await bus.publishMany('damon.telemetry.repr', [...bad, after]);

    await waitFor(
      () =>
        recorder.of('damon.dlq').length >= 4 &&
        fused().some((s) => s.items[0].itemId === after.items[0].itemId),
      60_000,
      'dead letters',
    );
    const reasons = recorder.of('damon.dlq').map((d) => d.reason);
    expect(reasons).toEqual([
      expect.stringMatching(/^layers\.1: dimension 8 does not match .* 16 for "l1"/),
      expect.stringMatching(/^layers\.2: unknown "l7"/),
      expect.stringMatching(/^layers\.0\.vectors\.data: value NaN at row 0, column 5 is not finite/),
      expect.stringMatching(/^items: 501 items exceed the limit of 500/),
    ]);
    let metrics = '';
    // Counters move once the transaction has committed, just after the dead letters were published.
    await waitFor(
      async () =>
        (metrics = await (await fetch(`${monitor.url}/metrics`)).text()).includes('reason="oversized"} 1'),
      10_000,
      'metrics',
    ).catch((error: unknown) => {
      console.log(
        metrics
          .split('\n')
          .filter((l) => l.includes('damon_monitor'))
          .join('\n'),
      );
      throw error;
    });
    for (const reason of ['dimension', 'unknown_layer', 'non_finite', 'oversized']) {
      expect(metrics).toContain(
        `damon_monitor_dead_letters_total{stage="representations",reason="${reason}"} 1`,
      );
    }
    expect(metrics).toMatch(/damon_monitor_scoring_latency_seconds_count\{stage="representations"\} \d+/);
    expect((await fetch(`${monitor.url}/healthz`)).status).toBe(200);
  });

  it('re-opens learning on baseline.refit and fits again from new trusted telemetry', async () => {
    await bus.publish('damon.commands', {
      eventId: randomUUID(),
      schemaVersion: 1,
      occurredAt: new Date().toISOString(),
      subject: { kind: 'model', id: subjectId },
      command: 'baseline.refit',
      stage: 'representations',
    });
    await waitFor(
      async () =>
        (
          await rows<{ phase: string }>(
            db.dataSource,
            'SELECT phase FROM monitor_subjects WHERE subject_id = $1',
            [subjectId],
          )
        )[0].phase === 'learning',
      30_000,
      'learning',
    );
    await db.dataSource.query(
      `INSERT INTO monitor_settings (stage, subject_kind, subject_id, settings) VALUES ('representations', 'model', $1, $2)`,
      [subjectId, { referenceSize: 400 }],
    );
    await bus.publishMany(
      'damon.telemetry.repr',
      Array.from({ length: 400 / BATCH }, () => model.batch(subjectId, BATCH, randn, { trusted: true })),
    );
    await waitFor(
      async () =>
        (
          await rows<{ fit_count: number }>(
            db.dataSource,
            'SELECT fit_count FROM monitor_subjects WHERE subject_id = $1',
            [subjectId],
          )
        )[0].fit_count === 2,
      60_000,
      'second fit',
    );
    const [row] = await rows(
      db.dataSource,
      'SELECT phase, reference_items FROM monitor_subjects WHERE subject_id = $1',
      [subjectId],
    );
    expect(row).toEqual({ phase: 'monitoring', reference_items: 0 });
  });
});
