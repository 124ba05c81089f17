import { describe, expect, it } from 'vitest';
import { runPythonReference } from '@damon/testing';
import {
  binomialSf,
  cusumThresholdForArl,
  cusumTwoSidedArl,
  fitGeneralizedPareto,
  generalizedParetoSf,
  logBinomialSf,
  logChiSquareSf,
  longRunVariance,
  mulberry32,
  normalGenerator,
} from '@damon/detectors';

// Every expected number here comes from tools/python/detectors_reference.py (NumPy, SciPy).
const reference = <T>(input: Record<string, unknown>) =>
  runPythonReference<T>('detectors_reference.py', input);

describe('tail probabilities against scipy.stats', () => {
  const binom: [number, number, number][] = [
    [60, 200, 0.05],
    [3, 10, 0.1],
    [1, 5, 0.5],
    [150, 200, 0.5],
    [20, 1000, 0.01],
    [5, 1000, 0.01],
    [400, 100_000, 0.001],
  ];
  const chi2: [number, number][] = [
    [0.5, 2],
    [46, 8],
    [1500, 20],
    [50, 3],
    [7.2, 5],
    [900, 1],
    [0.01, 7],
  ];
  const ref = reference<{ binomLogSf: number[]; chi2LogSf: number[] }>({ op: 'tails', binom, chi2 });

  it.each(binom.map((b, i) => [...b, i] as const))(
    'ln P(Binom(%d; %d, %d) ≥ k) equals binom.logsf',
    (k, n, p, i) => {
      expect(logBinomialSf(k, n, p)).toBeCloseTo(ref.binomLogSf[i], 8);
    },
  );

  it('sums the binomial upper tail itself: k=60, n=200, p=0.05 is 5.3e-30, not 1 − CDF ≈ 5.6e-16', () => {
    expect(binomialSf(60, 200, 0.05) / Math.exp(ref.binomLogSf[0])).toBeCloseTo(1, 9);
    expect(binomialSf(60, 200, 0.05)).toBeLessThan(1e-29);
  });

  it.each(chi2.map((c, i) => [...c, i] as const))(
    'ln P(χ²(%d) > x) with dof %d equals chi2.logsf',
    (x, dof, i) => {
      expect(logChiSquareSf(x, dof)).toBeCloseTo(ref.chi2LogSf[i], 8);
    },
  );
});

describe('CUSUM average run length (Siegmund) against a NumPy simulation', () => {
  const h = [3, 4];
  const sim = reference<{ mean: number; se: number }[]>({ op: 'cusum_arl', seed: 7, k: 0.5, h, runs: 6000 });

  it.each(h.map((v, i) => [v, i] as const))(
    'two-sided ARL at h=%d is within 4% of the simulated one',
    (value, i) => {
      const closed = cusumTwoSidedArl(value, 0.5);
      expect(Math.abs(closed - sim[i].mean)).toBeLessThan(0.04 * sim[i].mean + 3 * sim[i].se);
    },
  );

  it('inverts: the threshold for an ARL gives that ARL, and a longer ARL needs a higher threshold', () => {
    const h5 = cusumThresholdForArl(500_000, 0.5);
    expect(cusumTwoSidedArl(h5, 0.5)).toBeCloseTo(500_000, -1);
    expect(cusumThresholdForArl(1_000_000, 0.5)).toBeGreaterThan(h5);
  });
});

describe('long-run variance against NumPy', () => {
  it('equals the Bartlett-weighted sum of autocovariances of an AR(1) series', () => {
    const randn = normalGenerator(3);
    let prev = 0;
    const x = Array.from({ length: 2000 }, () => (prev = 0.5 * prev + randn()));
    const ref = reference<{ value: number }>({ op: 'long_run_variance', x });
    expect(longRunVariance(x)).toBeCloseTo(ref.value, 9);
  });
});

describe('generalized-Pareto tail against scipy.stats.genpareto', () => {
  /** Exceedances drawn by inversion from a GPD(ξ, σ). */
  function sample(shape: number, scale: number, n: number, seed: number): number[] {
    const u = mulberry32(seed);
    return Array.from({ length: n }, () => {
      const v = u() || 1e-12;
      return shape === 0 ? -scale * Math.log(v) : (scale * (Math.pow(v, -shape) - 1)) / shape;
    });
  }

  it.each([
    [0.3, 2, 11],
    [0, 1, 12],
    [-0.25, 1.5, 13],
  ])('maximum likelihood for ξ=%d, σ=%d matches genpareto.fit(floc=0)', (shape, scale, seed) => {
    const y = sample(shape, scale, 400, seed);
    const ours = fitGeneralizedPareto(y);
    const ref = reference<{ shape: number; scale: number; logLikelihood: number; sf: number[] }>({
      op: 'genpareto',
      exceedances: y,
      sfShape: ours.shape,
      sfScale: ours.scale,
      x: [0.1, 1, 5, 20],
    });
    // Ours is the exact profile maximum: never a worse likelihood than SciPy's optimiser, parameters alike.
    expect(ours.logLikelihood).toBeGreaterThanOrEqual(ref.logLikelihood - 1e-6);
    expect(Math.abs(ours.shape - ref.shape)).toBeLessThan(2e-3);
    expect(Math.abs(ours.scale / ref.scale - 1)).toBeLessThan(2e-3);
    [0.1, 1, 5, 20].forEach((x, i) =>
      expect(generalizedParetoSf(x, ours.shape, ours.scale)).toBeCloseTo(ref.sf[i], 12),
    );
  });
});
