import { auroc, normalGenerator } from '@damon/detectors';
import { randomUUID } from 'node:crypto';
import { encodeVectors, type DatasetBatch } from '@damon/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  betaBinomialUpperQuantile,
  createTestDatabase,
  kafkaBus,
  monitorEnv,
  startMonitor,
  TopicRecorder,
  waitFor,
  servers,
  type RunningMonitor,
  type TestDatabase,
} from '@damon/monitor-testing';
import { DataStageHandler } from './data-stage.handler';

const DIM = 8;
const BATCH = 50;
const REFERENCE = 2000;
const CLEAN = 5000;
const ALPHA = 0.01;

describe('data monitor (real Kafka and PostgreSQL)', () => {
  const datasetId = `dataset-${randomUUID()}`;
  const bus = kafkaBus(servers().brokers);
  const randn = normalGenerator(314);
  let db: TestDatabase;
  let monitor: RunningMonitor;
  let recorder: TopicRecorder<'damon.alerts' | 'damon.scores'>;

  interface Plant {
    poisoned?: number;
    featureShift?: number;
    rejectSlice?: string;
    generator?: string;
  }

  function batch(trusted: boolean, plant: Plant = {}): DatasetBatch {
    const values = new Float32Array(BATCH * DIM);
    const samples = Array.from({ length: BATCH }, (_, i) => {
      const poisoned = i < (plant.poisoned ?? 0);
      for (let c = 0; c < DIM; c++) values[i * DIM + c] = randn() + (poisoned ? 4 * (c % 2 ? 1 : -1) : 0);
      const slice = ['a', 'b', 'c'][i % 3];
      const accepted = slice === plant.rejectSlice ? false : randn() < (slice === 'c' ? 0 : 0.8);
      return {
        sampleId: `s-${randomUUID()}`,
        slice,
        accepted,
        features: { length: 100 + 10 * randn() + (plant.featureShift ?? 0), toxicity: Math.abs(randn()) },
      };
    });
    return {
      eventId: randomUUID(),
      schemaVersion: 1,
      occurredAt: new Date().toISOString(),
      subject: { kind: 'dataset', id: datasetId },
      batchId: randomUUID(),
      generator: { kind: 'model', id: plant.generator ?? 'generator-1' },
      trusted,
      samples,
      embeddings: encodeVectors(values, [BATCH, DIM]),
    };
  }

  beforeAll(async () => {
    db = await createTestDatabase(servers().databaseUrl);
    monitor = await startMonitor(
      () => new DataStageHandler(),
      monitorEnv({
        KAFKA_BROKERS: servers().brokers,
        DATABASE_URL: db.url,
        MONITOR_GROUP: `data-test-${randomUUID()}`,
        MONITOR_REFERENCE_SIZE: String(REFERENCE),
        MONITOR_ALPHA: String(ALPHA),
        MONITOR_WINDOW_SIZE: '200',
      }),
    );
    recorder = new TopicRecorder(
      bus,
      ['damon.alerts', 'damon.scores'],
      (_t, v) => (v as { subject: { id: string } }).subject.id === datasetId,
    );
    await recorder.start();
  });

  afterAll(async () => {
    await recorder?.stop();
    await monitor?.close();
    await bus.close();
    await db?.drop();
  });

  it('stays within the calibrated rate on 5,000 clean samples, then flags a planted batch on every detector', async () => {
    await bus.publishMany(
      'damon.telemetry.data',
      Array.from({ length: REFERENCE / BATCH }, () => batch(true)),
    );
    await bus.publishMany(
      'damon.telemetry.data',
      Array.from({ length: CLEAN / BATCH }, () => batch(false)),
    );
    // Batch-level tests score one row per batch (itemId = batchId); per-sample detectors one per sample.
    const batchTests = ['mmd', 'feature-ks', 'spectral-signature', 'curation-bias', 'sample-outliers'];
    const batchScores = () =>
      recorder
        .of('damon.scores')
        .filter((s) => s.subject.id === datasetId && batchTests.includes(s.detector));
    const scoredBatches = () => new Set(batchScores().map((s) => s.items[0].itemId)).size;
    await waitFor(() => scoredBatches() === CLEAN / BATCH, 120_000, 'every clean batch scored');
    const alerts = () => recorder.of('damon.alerts').filter((a) => a.subject.id === datasetId);
    const tests = batchScores().length;
    const cleanAlerts = alerts().length;
    // MMD (permutations), KS+BH and chi-square give valid p-values; the spectral statistic is conformal
    // on 200 held-out sub-batches: the beta-binomial bound with 200 calibration values covers them all.
    const bound = betaBinomialUpperQuantile(tests, ALPHA, 200, 0.999);
    console.log(
      `[data] clean: ${cleanAlerts} alerts over ${tests} batch tests (α=${ALPHA}, bound ${bound}): ${alerts()
        .map((a) => a.detector)
        .join(', ')}`,
    );
    expect(cleanAlerts).toBeLessThanOrEqual(bound);

    const planted = batch(false, {
      poisoned: 8,
      featureShift: 40,
      rejectSlice: 'a',
      generator: 'generator-unknown',
    });
    await bus.publish('damon.telemetry.data', planted);
    const onPlanted = () => alerts().filter((a) => a.inputEventIds.includes(planted.eventId));
    const detectors = ['mmd', 'feature-ks', 'spectral-signature', 'curation-bias', 'unknown-provenance'];
    await waitFor(
      () => detectors.every((d) => onPlanted().some((a) => a.detector === d)),
      30_000,
      'alerts on the planted batch',
    ).catch((error: unknown) => {
      console.log(
        onPlanted().map((a) => a.detector),
        recorder
          .of('damon.scores')
          .filter((s) => s.items[0].itemId === planted.batchId)
          .map((s) => [s.detector, s.items[0].pValue]),
      );
      throw error;
    });
    const by = (d: string) => onPlanted().find((a) => a.detector === d)!;
    expect(
      (by('feature-ks').evidence.driftedFeatures as { feature: string }[]).map((f) => f.feature),
    ).toEqual(['length']);
    expect((by('curation-bias').evidence.slices as { slice: string }[])[0].slice).toBe('a');
    expect(by('unknown-provenance').evidence.unknown).toEqual([
      { role: 'generator', kind: 'model', id: 'generator-unknown' },
    ]);
    const poisonedIds = planted.samples.slice(0, 8).map((s) => s.sampleId);
    const top = (by('spectral-signature').evidence.topSamples as { sampleId: string }[]).map(
      (s) => s.sampleId,
    );
    expect(top.every((id) => poisonedIds.includes(id))).toBe(true);
    // Every data alert that points at samples lists them, bounded, with the count.
    for (const detector of ['spectral-signature', 'sample-outliers']) {
      const flagged = by(detector).flaggedItems!;
      expect(flagged.count).toBeGreaterThanOrEqual(flagged.ids.length);
      expect(poisonedIds.every((id) => flagged.ids.includes(id))).toBe(true);
    }
  });

  it('a reference sent as one batch: a 3% distinct cluster is ranked (AUROC ≥ 0.95) and listed in the alerts', async () => {
    const subjectId = `dataset-${randomUUID()}`;
    const one = (rows: number, trusted: boolean, poisoned = 0): DatasetBatch => {
      const b = batch(trusted);
      const values = new Float32Array(rows * DIM);
      for (let i = 0; i < rows; i++)
        for (let c = 0; c < DIM; c++)
          values[i * DIM + c] = randn() + (i < poisoned ? 6 * (c % 2 ? 1 : -1) : 0);
      return {
        ...b,
        subject: { kind: 'dataset', id: subjectId },
        samples: Array.from({ length: rows }, (_, i) => ({
          sampleId: `${i < poisoned ? 'p' : 'c'}-${randomUUID()}`,
        })),
        embeddings: encodeVectors(values, [rows, DIM]),
      };
    };
    const own = new TopicRecorder(
      bus,
      ['damon.alerts', 'damon.scores'],
      (_t, v) => (v as { subject: { id: string } }).subject.id === subjectId,
    );
    await own.start();
    try {
      const planted = one(400, false, 12);
      await bus.publishMany('damon.telemetry.data', [one(REFERENCE, true), planted]);
      const onPlanted = () => own.of('damon.alerts').filter((a) => a.inputEventIds.includes(planted.eventId));
      const sampleDetectors = ['sample-mahalanobis', 'sample-knn', 'sample-spectral'];
      const scoresOf = (detector: string) =>
        own
          .of('damon.scores')
          .find(
            (s) => s.detector === detector && s.items.some((i) => i.itemId === planted.samples[0].sampleId),
          );
      // Alerts and scores are separate topics: the recorder may see one before the other, so wait for both.
      await waitFor(
        () =>
          ['spectral-signature', 'sample-outliers'].every((d) => onPlanted().some((a) => a.detector === d)) &&
          sampleDetectors.every((d) => scoresOf(d) !== undefined),
        60_000,
        'spectral and sample-outlier alerts, and the per-sample scores',
      );
      const poisoned = new Set(planted.samples.slice(0, 12).map((s) => s.sampleId));
      for (const detector of sampleDetectors) {
        const rows = scoresOf(detector)!;
        expect(rows.items).toHaveLength(400);
        const clean = rows.items.filter((i) => !poisoned.has(i.itemId)).map((i) => i.score);
        const bad = rows.items.filter((i) => poisoned.has(i.itemId)).map((i) => i.score);
        expect(auroc(clean, bad)).toBeGreaterThanOrEqual(0.95);
      }
      for (const detector of ['spectral-signature', 'sample-outliers']) {
        const alert = onPlanted().find((a) => a.detector === detector)!;
        expect([...poisoned].every((id) => alert.flaggedItems!.ids.includes(id))).toBe(true);
        expect(alert.evidence.flaggedSamples).not.toEqual([]);
      }
      expect(
        onPlanted().find((a) => a.detector === 'spectral-signature')!.evidence.estimatedPoisonedFraction,
      ).toBeGreaterThan(0);
    } finally {
      await own.stop();
    }
  });
});
