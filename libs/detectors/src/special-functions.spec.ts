import { describe, expect, it } from 'vitest';
import { chiSquareSf, logChiSquareSf } from './special-functions';

// The project's one chi-square tail (Fisher combination, curation rates, severity). Wider SciPy
// checks, odd degrees of freedom included, are in tools/python/signals-reference.spec.ts.
describe('chi-square survival function', () => {
  // Reference: scipy 1.16.3, scipy.stats.chi2.logsf(x, df).
  const scipyLogSf: [number, number, number][] = [
    [0.5, 2, -0.25],
    [3.0, 4, -0.5837092681258446],
    [10.0, 6, -2.0822292679157215],
    [46.0, 8, -15.252259245353782],
    [200.0, 10, -84.71697591169848],
    [1500.0, 20, -703.209112386371],
  ];
  it.each(scipyLogSf)('logsf(%d, df=%d) matches scipy', (x, df, expected) => {
    expect(logChiSquareSf(x, df)).toBeCloseTo(expected, 10);
  });

  it('stays exact far in the tail where the plain product would underflow', () => {
    // Reference: -1500 + ln(Σ_{j<10} 1500^j / j!) with the sum as an exact Python Fraction.
    expect(chiSquareSf(3000, 20)).toBe(0);
    expect(logChiSquareSf(3000, 20)).toBeCloseTo(-1446.9768299669183, 9);
  });

  it('is 1 at zero and near 1 for a tiny statistic with many degrees of freedom', () => {
    expect(chiSquareSf(0, 6)).toBe(1);
    expect(logChiSquareSf(2, 40)).toBeCloseTo(-1.5875276010732616e-19, 15);
  });

  it('rejects non-positive degrees of freedom and NaN', () => {
    expect(() => logChiSquareSf(1, 0)).toThrow(RangeError);
    expect(() => logChiSquareSf(NaN, 2)).toThrow(RangeError);
  });
});
