import { handlerSettings } from '@damon/monitor-testing';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeVectors, type DatasetBatch } from '@damon/contracts';
import { auroc, initBackend, normalGenerator, randomUnitVector } from '@damon/detectors';
import { DATA_DETECTORS, DataStageHandler } from './data-stage.handler';

const DIM = 16;
const settings = handlerSettings({ referenceSize: 2000, maxBatchItems: 4096 });

beforeAll(async () => {
  await initBackend(() => undefined);
});

/** A batch of unit-variance embeddings, the first `poisoned` rows a distinct cluster. */
function batch(rows: number, seed: number, poisoned = 0, trusted = false): DatasetBatch {
  const randn = normalGenerator(seed);
  const cluster = randomUnitVector(DIM, 77, 8);
  const values = new Float32Array(rows * DIM);
  for (let i = 0; i < rows; i++)
    for (let c = 0; c < DIM; c++) values[i * DIM + c] = randn() + (i < poisoned ? cluster[c] : 0);
  return {
    eventId: randomUUID(),
    schemaVersion: 1,
    occurredAt: new Date().toISOString(),
    subject: { kind: 'dataset', id: 'd' },
    batchId: `b-${seed}`,
    trusted,
    samples: Array.from({ length: rows }, (_, i) => ({
      sampleId: `${i < poisoned ? 'p' : 'c'}-${seed}-${i}`,
    })),
    embeddings: encodeVectors(values, [rows, DIM]),
  };
}

describe('data stage: per-sample scores and flagged samples', () => {
  const handler = new DataStageHandler();

  it('a reference sent as one batch still fits the spectral test; detectors that cannot run say why', () => {
    const states = handler.fit([handler.prepare(batch(2000, 1, 0, true), settings)], settings);
    expect(states[DATA_DETECTORS.spectral]).toMatchObject({ batchSize: 1000 });
    expect(states._status).toEqual({
      unavailable: {
        'feature-ks': 'no feature with 8 values in the reference',
        'curation-bias': 'no reference sample said whether it was accepted',
      },
    });
    const tiny = handler.fit([handler.prepare(batch(6, 2, 0, true), settings)], settings);
    expect(tiny[DATA_DETECTORS.spectral]).toBeUndefined();
    expect((tiny._status as { unavailable: Record<string, string> }).unavailable).toMatchObject({
      'spectral-signature': '6 reference rows: sub-batches of at least 4 rows need at least 8',
    });
  });

  it('ranks a 3% distinct-cluster plant with AUROC ≥ 0.95 on every per-sample score and flags it', () => {
    const fitted = handler.load(
      handler.fit(
        Array.from({ length: 10 }, (_, i) => handler.prepare(batch(200, 10 + i, 0, true), settings)),
        settings,
      ),
    );
    const planted = batch(1000, 99, 30);
    const outcome = handler.score(handler.prepare(planted, settings), fitted, settings);
    const poisoned = new Set(planted.samples.slice(0, 30).map((s) => s.sampleId));
    for (const detector of [
      DATA_DETECTORS.sampleMahalanobis,
      DATA_DETECTORS.sampleKnn,
      DATA_DETECTORS.sampleSpectral,
    ]) {
      const rows = outcome.scores.find((r) => r.detector === detector)!;
      expect(rows.items).toHaveLength(1000);
      const clean = rows.items.filter((i) => !poisoned.has(i.itemId)).map((i) => i.score);
      const bad = rows.items.filter((i) => poisoned.has(i.itemId)).map((i) => i.score);
      expect(auroc(clean, bad)).toBeGreaterThanOrEqual(0.95);
    }
    const outliers = outcome.alerts.find((a) => a.detector === DATA_DETECTORS.sampleOutliers)!;
    expect(outliers.flagged!.count).toBeGreaterThanOrEqual(30);
    for (const id of poisoned) expect(outliers.flagged!.ids).toContain(id);
    // False discoveries stay few (BH at 1%).
    expect(outliers.flagged!.ids.filter((id) => !poisoned.has(id)).length).toBeLessThanOrEqual(3);
    const spectral = outcome.alerts.find((a) => a.detector === DATA_DETECTORS.spectral)!;
    expect(spectral.flagged!.count).toBeGreaterThan(0);
    expect(spectral.evidence.estimatedPoisonedFraction).toBeGreaterThan(0);
    const top = (spectral.evidence.topSamples as { sampleId: string }[])[0].sampleId;
    expect(poisoned.has(top)).toBe(true);
    expect(spectral.flagged!.ids).toContain(top);
    // Flagged counts against the batch size feed the correlator's flagged-count term.
    expect(outliers.severityEvidence).toEqual({ flagged: outliers.flagged!.count, tested: 1000 });
    expect(spectral.severityEvidence).toEqual({ flagged: spectral.flagged!.count, tested: 1000 });
    handler.dispose(fitted);
  });

  it('on a clean batch flags (almost) nothing and raises no sample-outliers alert', () => {
    const fitted = handler.load(
      handler.fit(
        Array.from({ length: 10 }, (_, i) => handler.prepare(batch(200, 30 + i, 0, true), settings)),
        settings,
      ),
    );
    let alerts = 0;
    for (let b = 0; b < 20; b++) {
      const outcome = handler.score(handler.prepare(batch(200, 200 + b), settings), fitted, settings);
      alerts += outcome.alerts.filter((a) => a.detector === DATA_DETECTORS.sampleOutliers).length;
    }
    expect(alerts).toBeLessThanOrEqual(2);
    handler.dispose(fitted);
  });

  it('an unknown generator always alerts, with a conformal p-value set by how often the reference met new ids', () => {
    const withGenerator = (seed: number, id: string, trusted: boolean) => ({
      ...batch(20, seed, 0, trusted),
      generator: { kind: 'model' as const, id },
    });
    // 99 reference batches, one stable generator: an unknown one has p = 1/100 (bounded, not 0).
    const stable = handler.load(
      handler.fit(
        Array.from({ length: 99 }, (_, i) => handler.prepare(withGenerator(400 + i, 'g', true), settings)),
        settings,
      ),
    );
    const alertOf = (fitted: ReturnType<typeof handler.load>) =>
      handler
        .score(handler.prepare(withGenerator(999, 'g-new', false), settings), fitted, settings)
        .alerts.find((a) => a.detector === DATA_DETECTORS.provenance)!;
    const strong = alertOf(stable);
    expect(strong.pValue).toBeCloseTo(1 / 100, 12);
    expect(strong.pValue).toBeGreaterThan(0);
    // 10 reference batches naming 5 generators, 3 of them once: a new one is unsurprising, p = 4/11,
    // and the fact is still alerted.
    const ids = ['a', 'a', 'b', 'b', 'c', 'c', 'c', 'd', 'e', 'f'];
    const churning = handler.load(
      handler.fit(
        ids.map((id, i) => handler.prepare(withGenerator(600 + i, id, true), settings)),
        settings,
      ),
    );
    const weak = alertOf(churning);
    expect(weak.pValue).toBeCloseTo(4 / 11, 12);
    expect(weak.evidence.unknown).toEqual([{ role: 'generator', kind: 'model', id: 'g-new' }]);
    // A known generator: no alert.
    expect(
      handler
        .score(handler.prepare(withGenerator(998, 'g', false), settings), stable, settings)
        .alerts.some((a) => a.detector === DATA_DETECTORS.provenance),
    ).toBe(false);
    handler.dispose(stable);
    handler.dispose(churning);
  });
});
