import { type Matrix, assertCols } from '../matrix';
import { kolmogorovSf } from '../special-functions';
import { benjaminiHochberg } from './benjamini-hochberg';

export interface KsResult {
  readonly statistic: number;
  readonly pValue: number;
  readonly method: 'exact' | 'asymptotic';
}

/**
 * Two-sided two-sample Kolmogorov–Smirnov test. Like scipy.stats.ks_2samp(method='auto'): the exact
 * null distribution (lattice-path counting, no-ties assumption) when max(n, m) ≤ 10,000; beyond that
 * the Kolmogorov limit with Stephens' small-sample correction (scipy uses the exact finite-n
 * one-sample kstwo there, so large-sample p-values differ slightly).
 */
export function ks2Samp(a: ArrayLike<number>, b: ArrayLike<number>): KsResult {
  const x = Float64Array.from(a).sort();
  const y = Float64Array.from(b).sort();
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) throw new Error('ks2Samp: empty sample');
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n1 && j < n2) {
    const v = Math.min(x[i], y[j]);
    while (i < n1 && x[i] === v) i++;
    while (j < n2 && y[j] === v) j++;
    d = Math.max(d, Math.abs(i / n1 - j / n2));
  }
  if (Math.max(n1, n2) <= 10_000) {
    const g = gcd(n1, n2);
    const lcm = (n1 / g) * n2;
    const h = Math.round(d * lcm);
    const statistic = h / lcm;
    if (h === 0) return { statistic, pValue: 1, method: 'exact' };
    const p = n1 === n2 ? probOutsideSquare(n1, h) : probOutsideLattice(n1, n2, h * g);
    if (Number.isFinite(p) && p >= 0 && p <= 1) return { statistic, pValue: p, method: 'exact' };
  }
  const en = (n1 * n2) / (n1 + n2);
  const sqrtEn = Math.sqrt(en);
  return { statistic: d, pValue: kolmogorovSf((sqrtEn + 0.12 + 0.11 / sqrtEn) * d), method: 'asymptotic' };
}

/** P(D_{n,n} ≥ h/n), Horner-like alternating sum (as scipy's _compute_prob_outside_square). */
function probOutsideSquare(n: number, h: number): number {
  let P = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    P = p1 * (1 - P);
  }
  return 2 * P;
}

/**
 * P(D ≥ d) for unequal sizes: probability that a uniformly random lattice path from (0,0) to (n1,n2)
 * touches |i·n2 − j·n1| ≥ bound. Counts inside paths with each step normalised by C(i+j, j) so
 * values stay in [0, 1].
 */
function probOutsideLattice(n1: number, n2: number, bound: number): number {
  const m = Math.max(n1, n2);
  const n = Math.min(n1, n2);
  const inside = (i: number, j: number) => Math.abs(i * n - j * m) < bound;
  // u[j] = (#inside paths to (i, j)) / C(i + j, j)
  const u = new Float64Array(n + 1);
  u[0] = 1;
  for (let j = 1; j <= n; j++) u[j] = inside(0, j) ? u[j - 1] : 0;
  for (let i = 1; i <= m; i++) {
    u[0] = inside(i, 0) ? u[0] : 0;
    for (let j = 1; j <= n; j++) {
      // C(i+j, j) = C(i+j−1, j)·(i+j)/i = C(i+j−1, j−1)·(i+j)/j
      u[j] = inside(i, j) ? (u[j] * i + u[j - 1] * j) / (i + j) : 0;
    }
  }
  return 1 - u[n];
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

export interface FeatureKsResult extends KsResult {
  readonly feature: number;
  /** Benjamini–Hochberg adjusted p-value across features. */
  readonly adjustedPValue: number;
  readonly rejected: boolean;
}

/** Per-feature KS between a reference and a current batch, with Benjamini–Hochberg FDR control at q. */
export function perFeatureKs(reference: Matrix, current: Matrix, q = 0.05): FeatureKsResult[] {
  assertCols(current, reference.cols, 'perFeatureKs');
  const column = (m: Matrix, c: number) =>
    Float64Array.from({ length: m.rows }, (_, r) => m.data[r * m.cols + c]);
  const results = Array.from({ length: reference.cols }, (_, c) =>
    ks2Samp(column(reference, c), column(current, c)),
  );
  const bh = benjaminiHochberg(
    results.map((r) => r.pValue),
    q,
  );
  return results.map((r, feature) => ({
    ...r,
    feature,
    adjustedPValue: bh.adjusted[feature],
    rejected: bh.rejected[feature],
  }));
}
