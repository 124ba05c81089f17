import { beforeAll, describe, expect, it } from 'vitest';
import { runPythonReference } from '@damon/testing';
import {
  GaussianDetector,
  accumulateMoments,
  auroc,
  benjaminiHochberg,
  chiSquareRates,
  chiSquareSf,
  fisherCombine,
  initBackend,
  ks2Samp,
  mmdTest,
  normalSf,
  shrunkCovariance,
  symmetricEigen,
  topEigen,
  FactorModel,
  normalGenerator,
  toRows,
} from '@damon/detectors';

// Every expected number here comes from tools/python/detectors_reference.py (NumPy, SciPy, scikit-learn).
const reference = <T>(input: Record<string, unknown>) =>
  runPythonReference<T>('detectors_reference.py', input);

beforeAll(async () => {
  await initBackend(() => undefined);
});

describe('against scikit-learn covariance', () => {
  const model = new FactorModel(32, 4, 1);
  const x = model.sample(500, 2);
  const y = model.sample(50, 3);
  const ref = reference<{
    covariance: number[];
    shrinkage: number;
    location: number[];
    mahalanobisLedoitWolf: number[];
    mahalanobisEmpirical: number[];
  }>({
    op: 'ledoit_wolf',
    X: toRows(x),
    Y: toRows(y),
  });

  it('Ledoit–Wolf shrinkage and covariance equal sklearn.covariance.LedoitWolf to 1e-4', () => {
    const shrunk = shrunkCovariance(accumulateMoments(x), 'ledoit-wolf');
    expect(shrunk.shrinkage).toBeGreaterThan(0);
    expect(Math.abs(shrunk.shrinkage - ref.shrinkage)).toBeLessThan(1e-4);
    const scale = Math.max(...ref.covariance.map(Math.abs));
    const worst = Math.max(...ref.covariance.map((v, i) => Math.abs(v - shrunk.covariance[i]) / scale));
    expect(worst).toBeLessThan(1e-4);
  });

  it('full-rank Mahalanobis equals EmpiricalCovariance.mahalanobis (and LedoitWolf.mahalanobis)', () => {
    const plain = new GaussianDetector({ shrinkage: 'none', rank: 'full' }).fit(x);
    const lw = new GaussianDetector({ rank: 'full' }).fit(x);
    expect(plain.path).toBe('full');
    const relErr = (ours: Float32Array, theirs: number[]) =>
      Math.max(...theirs.map((v, i) => Math.abs(ours[i] - v) / v));
    expect(relErr(plain.score(y), ref.mahalanobisEmpirical)).toBeLessThan(1e-3);
    expect(relErr(lw.score(y), ref.mahalanobisLedoitWolf)).toBeLessThan(1e-3);
    plain.dispose();
    lw.dispose();
  });

  it('eigenvalues equal numpy.linalg.eigvalsh; subspace iteration finds the top ones', () => {
    const { covariance } = shrunkCovariance(accumulateMoments(x), 'none');
    const rows = Array.from({ length: 32 }, (_, i) => Array.from(covariance.subarray(i * 32, (i + 1) * 32)));
    const { values } = reference<{ values: number[] }>({ op: 'eigh', A: rows });
    const ours = symmetricEigen(covariance, 32).values;
    values.forEach((v, i) => expect(Math.abs(ours[i] - v)).toBeLessThan(1e-9 * values[0]));
    const top = topEigen(covariance, 32, 4).values;
    values.slice(0, 4).forEach((v, i) => expect(Math.abs(top[i] - v) / v).toBeLessThan(1e-4));
  });
});

describe('against SciPy tests', () => {
  it('KS statistics and exact p-values equal scipy.stats.ks_2samp', () => {
    const randn = normalGenerator(11);
    const sample = (n: number, shift: number) => Array.from({ length: n }, () => randn() + shift);
    const pairs: Array<[number[], number[]]> = [
      [sample(100, 0), sample(100, 0)],
      [sample(100, 0), sample(100, 0.5)],
      [sample(200, 0), sample(150, 0.3)],
      [sample(37, 0), sample(91, 0)],
      [sample(400, 0), sample(300, 0.4)],
    ];
    const ref = reference<Array<{ statistic: number; pValue: number }>>({ op: 'ks', pairs });
    pairs.forEach(([a, b], i) => {
      const ours = ks2Samp(a, b);
      expect(ours.method).toBe('exact');
      expect(ours.statistic).toBeCloseTo(ref[i].statistic, 12);
      expect(Math.abs(ours.pValue - ref[i].pValue)).toBeLessThan(1e-9 + 1e-6 * ref[i].pValue);
    });
  });

  it('MMD² equals a direct NumPy computation (median-heuristic RBF)', () => {
    const a = new FactorModel(16, 3, 5).sample(120, 6);
    const b = new FactorModel(16, 3, 5).sample(100, 7, new Float32Array(16).fill(1.5));
    const ref = reference<{ statistic: number; bandwidth: number }>({
      op: 'mmd',
      X: toRows(a),
      Y: toRows(b),
    });
    const ours = mmdTest(a, b, { permutations: 200 });
    expect(ours.bandwidth).toBeCloseTo(ref.bandwidth, 6);
    expect(Math.abs(ours.statistic - ref.statistic)).toBeLessThan(1e-9 + 1e-6 * Math.abs(ref.statistic));
    expect(ours.pValue).toBeLessThan(0.01);
    const same = mmdTest(a, new FactorModel(16, 3, 5).sample(100, 8), { permutations: 200 });
    expect(same.pValue).toBeGreaterThan(0.01);
  });

  it('chi-square rates, BH, Fisher and distribution tails equal SciPy', () => {
    const slices = [
      { slice: 'a', accepted: 40, total: 100 },
      { slice: 'b', accepted: 55, total: 110 },
      { slice: 'c', accepted: 20, total: 80 },
    ];
    const table = [slices.map((s) => s.accepted), slices.map((s) => s.total - s.accepted)];
    const chi = reference<{ statistic: number; pValue: number; dof: number }>({ op: 'chi2', table });
    const ours = chiSquareRates(slices);
    expect(ours.dof).toBe(chi.dof);
    expect(ours.statistic).toBeCloseTo(chi.statistic, 10);
    expect(ours.pValue).toBeCloseTo(chi.pValue, 10);

    const p = [0.001, 0.2, 0.03, 0.5, 0.04, 0.9, 0.0001];
    const chi2Cases: Array<[number, number]> = [
      [3.2, 1],
      [30, 7],
      [150, 100],
      [0.5, 14],
    ];
    const zs = [0.5, 2, 5, 8];
    const ref = reference<{ bh: number[]; fisher: number; chi2sf: number[]; normsf: number[] }>({
      op: 'pvalues',
      p,
      chi2: chi2Cases,
      z: zs,
    });
    benjaminiHochberg(p).adjusted.forEach((v, i) => expect(v).toBeCloseTo(ref.bh[i], 12));
    expect(Math.abs(fisherCombine(p) - ref.fisher) / ref.fisher).toBeLessThan(1e-9);
    chi2Cases.forEach(([x, d], i) =>
      expect(Math.abs(chiSquareSf(x, d) - ref.chi2sf[i]) / ref.chi2sf[i]).toBeLessThan(1e-9),
    );
    zs.forEach((z, i) => expect(Math.abs(normalSf(z) - ref.normsf[i]) / ref.normsf[i]).toBeLessThan(1e-9));
  });

  it('AUROC equals sklearn.metrics.roc_auc_score, ties included', () => {
    const randn = normalGenerator(3);
    const neg = Array.from({ length: 300 }, () => Math.round(randn() * 4) / 4);
    const pos = Array.from({ length: 200 }, () => Math.round((randn() + 0.7) * 4) / 4);
    const ref = reference<{ auroc: number }>({
      op: 'auroc',
      labels: [...neg.map(() => 0), ...pos.map(() => 1)],
      scores: [...neg, ...pos],
    });
    expect(auroc(neg, pos)).toBeCloseTo(ref.auroc, 12);
  });
});
