import { handlerSettings } from '@damon/monitor-testing';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeVectors, type ActivationBatch } from '@damon/contracts';
import { auroc, binomialSf, initBackend, normalGenerator, randomUnitVector } from '@damon/detectors';
import type { MonitorSettingsValues, ScoreRows } from '@damon/monitor-kit';
import { RepresentationStageHandler } from './representation-stage.handler';

const DIM = 16;
const ROWS = 400;
const settings = handlerSettings();
/** Per-dimension scales: the trusted covariance is not isotropic, so QUE's whitening matters. */
const SCALES = Float32Array.from({ length: DIM }, (_, c) => 0.5 + (c % 4));
const DIRECTION = randomUnitVector(DIM, 5);

beforeAll(async () => {
  await initBackend(() => undefined);
});

/**
 * Two layers of trusted-like rows; in layer `l2` the first `planted` rows are a sub-population
 * `shift` whitened units along one direction (a backdoored sub-population lives in one layer).
 */
function batch(seed: number, planted = 0, shift = 0, trusted = false): ActivationBatch {
  const randn = normalGenerator(seed);
  const layer = (name: string, plant: boolean) => {
    const values = new Float32Array(ROWS * DIM);
    for (let i = 0; i < ROWS; i++)
      for (let c = 0; c < DIM; c++) {
        const inCluster = plant && i < planted;
        const z = randn() + (inCluster ? shift * DIRECTION[c] : 0);
        values[i * DIM + c] = SCALES[c] * z;
      }
    return { name, dim: DIM, vectors: encodeVectors(values, [ROWS, DIM]) };
  };
  return {
    eventId: randomUUID(),
    schemaVersion: 1,
    occurredAt: new Date().toISOString(),
    subject: { kind: 'model', id: 'm' },
    batchId: `b-${seed}`,
    trusted,
    items: Array.from({ length: ROWS }, (_, i) => ({ itemId: `${i < planted ? 'p' : 'c'}-${seed}-${i}` })),
    layers: [layer('l1', false), layer('l2', true)],
  };
}

function fitted(s: MonitorSettingsValues) {
  const handler = new RepresentationStageHandler();
  const reference = Array.from({ length: 10 }, (_, i) => handler.prepare(batch(100 + i, 0, 0, true), s));
  return { handler, fitted: handler.load(handler.fit(reference, s)) };
}

const rowsOf = (rows: ScoreRows[], detector: string, layer?: string) =>
  rows.find((r) => r.detector === detector && (layer === undefined || r.layer === layer))!;

describe('QUE in the representation stage', () => {
  it('is fitted per layer and switched off by settings.detectors', () => {
    const on = fitted(settings);
    expect(on.fitted.components.filter((c) => c.detector === 'que').map((c) => c.layer)).toEqual([
      'l1',
      'l2',
    ]);
    const off = fitted({ ...settings, detectors: { que: false } });
    expect(off.fitted.components.some((c) => c.detector === 'que')).toBe(false);
    on.handler.dispose(on.fitted);
    off.handler.dispose(off.fitted);
  });

  it('on a 5% cluster in one layer QUE beats Mahalanobis there, and lifts the fused score', () => {
    const on = fitted(settings);
    const off = fitted({ ...settings, detectors: { que: false } });
    const labels: number[] = [];
    const que: number[] = [];
    const gaussian: number[] = [];
    const fusedOn: number[] = [];
    const fusedOff: number[] = [];
    for (let b = 0; b < 4; b++) {
      const event = batch(500 + b, 20, 4);
      const a = on.handler.score(on.handler.prepare(event, settings), on.fitted, settings, {});
      const o = off.handler.score(off.handler.prepare(event, settings), off.fitted, settings, {});
      event.items.forEach((item) => labels.push(item.itemId.startsWith('p') ? 1 : 0));
      // Every item alert carries the batch's flagged count against its size (flagged-count severity).
      const flaggedInBatch = a.alerts.length;
      expect(flaggedInBatch).toBeGreaterThan(0);
      for (const alert of a.alerts)
        expect(alert.severityEvidence).toEqual({ flagged: flaggedInBatch, tested: ROWS });
      que.push(...rowsOf(a.scores, 'que', 'l2').items.map((i) => i.score));
      gaussian.push(...rowsOf(a.scores, 'gaussian', 'l2').items.map((i) => i.score));
      fusedOn.push(
        ...rowsOf(a.scores, 'fused-layers').items.map((i) => -Math.log(i.pValue) + 1e-9 * i.score),
      );
      fusedOff.push(
        ...rowsOf(o.scores, 'fused-layers').items.map((i) => -Math.log(i.pValue) + 1e-9 * i.score),
      );
    }
    const split = (scores: number[]) =>
      auroc(
        scores.filter((_, i) => labels[i] === 0),
        scores.filter((_, i) => labels[i] === 1),
      );
    const result = {
      que: split(que),
      gaussian: split(gaussian),
      fusedOn: split(fusedOn),
      fusedOff: split(fusedOff),
    };
    console.log('[que planted]', JSON.stringify(result));
    expect(result.que).toBeGreaterThan(result.gaussian + 0.02);
    expect(result.fusedOn).toBeGreaterThan(result.fusedOff + 0.01);
    on.handler.dispose(on.fitted);
    off.handler.dispose(off.fitted);
  });

  it('per-batch calibration holds the false-positive rate at α on clean batches (binomial bound)', () => {
    const on = fitted(settings);
    let flagged = 0;
    let fusedFlagged = 0;
    let tested = 0;
    for (let b = 0; b < 20; b++) {
      const event = batch(900 + b);
      const out = on.handler.score(on.handler.prepare(event, settings), on.fitted, settings, {});
      for (const layer of ['l1', 'l2'])
        flagged += rowsOf(out.scores, 'que', layer).items.filter((i) => i.pValue <= settings.alpha).length;
      fusedFlagged += rowsOf(out.scores, 'fused-layers').items.filter(
        (i) => i.pValue <= settings.alpha,
      ).length;
      tested += ROWS;
    }
    console.log('[que clean]', { flagged, tests: 2 * tested, fusedFlagged, fusedTests: tested });
    // Both above and below: not more false positives than α allows, and not a vacuous (never-firing) test.
    expect(binomialSf(flagged, 2 * tested, settings.alpha)).toBeGreaterThan(1e-3);
    expect(flagged).toBeGreaterThan(0.4 * settings.alpha * 2 * tested);
    expect(binomialSf(fusedFlagged, tested, settings.alpha)).toBeGreaterThan(1e-3);
    on.handler.dispose(on.fitted);
  });
});
