import { LogisticProbe, fromRows, initBackend } from '@damon/detectors';
import { beforeAll, describe, expect, it } from 'vitest';
import { benignPValue, scoreVerdictProbes, type VerdictProbeState } from './verdict-probe-scoring';

beforeAll(async () => {
  await initBackend(() => undefined);
});

describe('verdict probe scoring', () => {
  it('conformal p-value against the benign held-out scores', () => {
    expect(benignPValue(0.9, [0.1, 0.2, 0.95])).toBeCloseTo(2 / 4, 12);
    expect(benignPValue(0.99, [0.1, 0.2, 0.95])).toBeCloseTo(1 / 4, 12);
    expect(benignPValue(0, [0.1, 0.2])).toBe(1);
  });

  it('scores only the given items, per layer, and alerts on those at or above the threshold', () => {
    // Layer l0: label = sign of the first coordinate.
    const train = fromRows([
      [-3, 0],
      [-2, 1],
      [-2.5, -1],
      [2, 0],
      [3, 1],
      [2.5, -1],
    ]);
    const probe = new LogisticProbe({ c: 1 }).fit(train, [0, 0, 0, 1, 1, 1]);
    const state: VerdictProbeState = {
      probe: probe.toJSON(),
      benignScores: [0.01, 0.02],
      threshold: 0.5,
      cvAuroc: 1,
    };
    const batch = fromRows([
      [3, 0],
      [-3, 0],
      [4, 0],
    ]);
    const out = scoreVerdictProbes(
      new Map([['l0', batch]]),
      ['x', 'y', 'z'],
      ['x', 'y'],
      { l0: { ...state, version: 2 } },
      'B1',
    );
    expect(out.rows).toHaveLength(1);
    expect(out.rows[0].layer).toBe('l0');
    expect(out.rows[0].items.map((i) => i.itemId)).toEqual(['x', 'y']);
    const p = probe.predictProbability(fromRows([[3, 0]]))[0];
    expect(out.rows[0].items[0].score).toBeCloseTo(p, 6);
    expect(out.rows[0].items[0].pValue).toBeCloseTo(1 / 3, 12);
    expect(out.alerts.map((a) => [a.detector, a.itemKey])).toEqual([['verdict-probe', 'x']]);
    expect(out.alerts[0].evidence.layers).toEqual([
      expect.objectContaining({ layer: 'l0', probeVersion: 2 }),
    ]);
  });
});
