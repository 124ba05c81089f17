import { cusumThresholdForArl } from '@damon/detectors';
import { describe, expect, it } from 'vitest';
import { excursionPValue } from './signal-stage.handler';

describe('excursionPValue', () => {
  it('at the threshold of ARL A, an excursion of L steps has p = 1 − exp(−L/A)', () => {
    const h = cusumThresholdForArl(100_000, 0.5);
    expect(excursionPValue(h, 15, 1)).toBeCloseTo(-Math.expm1(-15 / 100_000), 12);
  });

  it('keeps falling as the statistic grows, and rises with the steps and streams it could come from', () => {
    const statistics = [5, 10, 20, 40, 80];
    const ps = statistics.map((s) => excursionPValue(s, 10, 5));
    for (let i = 1; i < ps.length; i++) expect(ps[i]).toBeLessThan(ps[i - 1]);
    expect(ps[4]).toBeGreaterThan(0);
    expect(excursionPValue(20, 20, 5)).toBeGreaterThan(excursionPValue(20, 10, 5));
    expect(excursionPValue(20, 10, 5)).toBeGreaterThan(excursionPValue(20, 10, 1));
  });
});
