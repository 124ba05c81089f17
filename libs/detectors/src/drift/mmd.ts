import { type Matrix, assertCols } from '../matrix';
import { mulberry32 } from '../linalg/top-eigen';
import { normalSf } from '../special-functions';

export interface MmdOptions {
  /** RBF bandwidth σ in k(x,y) = exp(−‖x−y‖²/(2σ²)); default: median pairwise distance of the pooled sample. */
  bandwidth?: number;
  /** Permutations for the p-value (default 500). */
  permutations?: number;
  seed?: number;
}

export interface MmdResult {
  /** Unbiased estimate of MMD² (U-statistic). */
  readonly statistic: number;
  /** (1 + #{permuted ≥ observed}) / (1 + permutations). */
  readonly pValue: number;
  readonly bandwidth: number;
  readonly permutations: number;
}

/**
 * Two-sample MMD test with an RBF kernel. Builds the pooled (n+m)² kernel matrix once in float64,
 * then each permutation only re-sums it: O((n+m)²) per permutation, fine up to a few thousand rows.
 * For larger samples use linearTimeMmdTest.
 */
export function mmdTest(x: Matrix, y: Matrix, options: MmdOptions = {}): MmdResult {
  assertCols(y, x.cols, 'mmdTest');
  if (x.rows < 2 || y.rows < 2) throw new Error('mmdTest: need at least 2 rows per sample');
  const n = x.rows;
  const N = n + y.rows;
  const d = x.cols;
  const pooled = new Float64Array(N * d);
  pooled.set(x.data, 0);
  pooled.set(y.data, n * d);
  const sq = new Float64Array(N * N);
  for (let i = 0; i < N; i++) {
    for (let j = i + 1; j < N; j++) {
      let s = 0;
      for (let c = 0; c < d; c++) {
        const diff = pooled[i * d + c] - pooled[j * d + c];
        s += diff * diff;
      }
      sq[i * N + j] = s;
      sq[j * N + i] = s;
    }
  }
  const bandwidth = options.bandwidth ?? medianPairwiseDistance(sq, N);
  const gamma = 1 / (2 * bandwidth * bandwidth);
  const K = new Float64Array(N * N);
  for (let i = 0; i < K.length; i++) K[i] = Math.exp(-gamma * sq[i]);
  const labels = new Uint8Array(N);
  labels.fill(1, n);
  const statistic = unbiasedMmd(K, N, labels, n);
  const permutations = options.permutations ?? 500;
  const random = mulberry32(options.seed ?? 7);
  let exceed = 0;
  const perm = new Uint8Array(labels);
  for (let p = 0; p < permutations; p++) {
    // Fisher–Yates shuffle of the group labels.
    for (let i = N - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      const t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    if (unbiasedMmd(K, N, perm, n) >= statistic) exceed++;
  }
  return { statistic, pValue: (1 + exceed) / (1 + permutations), bandwidth, permutations };
}

function unbiasedMmd(K: Float64Array, N: number, labels: Uint8Array, n: number): number {
  const m = N - n;
  let xx = 0;
  let yy = 0;
  let xy = 0;
  for (let i = 0; i < N; i++) {
    const li = labels[i];
    const row = i * N;
    for (let j = i + 1; j < N; j++) {
      const k = K[row + j];
      const lj = labels[j];
      if (li === lj) {
        if (li === 0) xx += k;
        else yy += k;
      } else {
        xy += k;
      }
    }
  }
  return (2 * xx) / (n * (n - 1)) + (2 * yy) / (m * (m - 1)) - (2 * xy) / (n * m);
}

function medianPairwiseDistance(sq: Float64Array, N: number): number {
  const distances = new Float64Array((N * (N - 1)) / 2);
  let k = 0;
  for (let i = 0; i < N; i++) for (let j = i + 1; j < N; j++) distances[k++] = Math.sqrt(sq[i * N + j]);
  distances.sort();
  const mid = distances.length / 2;
  const med =
    distances.length % 2 === 1 ? distances[Math.floor(mid)] : 0.5 * (distances[mid - 1] + distances[mid]);
  return med > 0 ? med : 1;
}

export interface LinearMmdResult {
  /** Linear-time unbiased MMD² estimate (mean of h over disjoint quadruples). */
  readonly statistic: number;
  /** One-sided normal p-value of statistic / its standard error. */
  readonly pValue: number;
  readonly bandwidth: number;
  readonly pairs: number;
}

/**
 * Linear-time MMD (Gretton et al. 2012, §6): h_i = k(x₂ᵢ,x₂ᵢ₊₁) + k(y₂ᵢ,y₂ᵢ₊₁) − k(x₂ᵢ,y₂ᵢ₊₁) − k(x₂ᵢ₊₁,y₂ᵢ)
 * over disjoint pairs; asymptotically normal, so the p-value needs no permutations. O(n·d).
 * The bandwidth defaults to the median heuristic on the first 500 rows of each sample.
 */
export function linearTimeMmdTest(
  x: Matrix,
  y: Matrix,
  options: { bandwidth?: number } = {},
): LinearMmdResult {
  assertCols(y, x.cols, 'linearTimeMmdTest');
  const d = x.cols;
  const pairs = Math.floor(Math.min(x.rows, y.rows) / 2);
  if (pairs < 2) throw new Error('linearTimeMmdTest: need at least 4 rows per sample');
  let bandwidth = options.bandwidth;
  if (bandwidth === undefined) {
    const take = (m: Matrix) => Math.min(m.rows, 500);
    const sub: Matrix = { rows: take(x) + take(y), cols: d, data: new Float32Array((take(x) + take(y)) * d) };
    sub.data.set(x.data.subarray(0, take(x) * d), 0);
    sub.data.set(y.data.subarray(0, take(y) * d), take(x) * d);
    const N = sub.rows;
    const sq = new Float64Array(N * N);
    for (let i = 0; i < N; i++)
      for (let j = i + 1; j < N; j++)
        sq[i * N + j] = sq[j * N + i] = squaredDistance(sub.data, i, sub.data, j, d);
    bandwidth = medianPairwiseDistance(sq, N);
  }
  const gamma = 1 / (2 * bandwidth * bandwidth);
  const k = (a: Float32Array, i: number, b: Float32Array, j: number) =>
    Math.exp(-gamma * squaredDistance(a, i, b, j, d));
  let sum = 0;
  let sumSq = 0;
  for (let p = 0; p < pairs; p++) {
    const i = 2 * p;
    const h =
      k(x.data, i, x.data, i + 1) +
      k(y.data, i, y.data, i + 1) -
      k(x.data, i, y.data, i + 1) -
      k(x.data, i + 1, y.data, i);
    sum += h;
    sumSq += h * h;
  }
  const statistic = sum / pairs;
  const variance = Math.max((sumSq / pairs - statistic * statistic) * (pairs / (pairs - 1)), 1e-300);
  const z = statistic / Math.sqrt(variance / pairs);
  return { statistic, pValue: normalSf(z), bandwidth, pairs };
}

function squaredDistance(a: Float32Array, i: number, b: Float32Array, j: number, d: number): number {
  let s = 0;
  for (let c = 0; c < d; c++) {
    const diff = a[i * d + c] - b[j * d + c];
    s += diff * diff;
  }
  return s;
}

/** Median pairwise Euclidean distance of the rows (the RBF bandwidth heuristic); 1 when all coincide. */
export function medianHeuristic(m: Matrix): number {
  const distances: number[] = [];
  for (let i = 0; i < m.rows; i++)
    for (let j = i + 1; j < m.rows; j++)
      distances.push(Math.sqrt(squaredDistance(m.data, i, m.data, j, m.cols)));
  distances.sort((a, b) => a - b);
  const mid = distances.length / 2;
  const value =
    distances.length === 0
      ? 0
      : distances.length % 2
        ? distances[Math.floor(mid)]
        : (distances[mid - 1] + distances[mid]) / 2;
  return value || 1;
}
