import { type Matrix } from '../matrix';
import { GaussianDetector } from '../gaussian/gaussian-detector';
import { chiSquareQuantileApprox, median, scaledMad } from '../special-functions';

export interface RobustCovarianceOptions {
  /** Fraction h/n of samples in the concentration subset (default 0.75). */
  supportFraction?: number;
  /** Concentration steps (default 10; stops early when the subset no longer changes). */
  steps?: number;
  /** Chi-square tail probability for flagging (default 0.001). */
  alpha?: number;
}

export interface RobustCovarianceResult {
  /** Squared robust Mahalanobis distances, rescaled so clean samples follow ~χ²(d). */
  readonly distances: Float64Array;
  readonly flagged: Uint8Array;
  readonly estimatedFraction: number;
  readonly threshold: number;
}

/**
 * MCD-like robust covariance (one start of FastMCD's concentration steps, Rousseeuw & Van Driessen
 * 1999): start from the h samples nearest the coordinate-wise median in MAD-standardised distance,
 * then repeat: fit mean + Ledoit–Wolf covariance on the subset, keep the h samples with the smallest
 * distances. Distances are rescaled by median(d²)/χ²_d(0.5) (consistency), and samples beyond the
 * χ²_d(1−α) quantile are flagged as a poisoned sub-population.
 */
export function robustCovariance(
  batch: Matrix,
  options: RobustCovarianceOptions = {},
): RobustCovarianceResult {
  const { rows: n, cols: d } = batch;
  const h = Math.max(d + 2, Math.ceil((options.supportFraction ?? 0.75) * n));
  if (h > n) throw new Error(`robustCovariance: need more than ${d + 2} rows`);
  const start = new Float64Array(n);
  for (let j = 0; j < d; j++) {
    const column = Float64Array.from({ length: n }, (_, i) => batch.data[i * d + j]);
    const centre = median(column);
    const scale = scaledMad(column, centre) || 1;
    for (let i = 0; i < n; i++) start[i] += ((column[i] - centre) / scale) ** 2;
  }
  let subset = smallest(start, h);
  let distances: Float64Array = start;
  const detector = new GaussianDetector({ rank: 'full', fullRankMaxDim: Math.max(d, 1024) });
  try {
    for (let step = 0; step < (options.steps ?? 10); step++) {
      detector.fit(take(batch, subset));
      distances = Float64Array.from(detector.score(batch));
      const next = smallest(distances, h);
      const same = next.every((v, i) => v === subset[i]);
      subset = next;
      if (same) break;
    }
  } finally {
    detector.dispose();
  }
  const medianChi2 = chiSquareQuantileApprox(0.5, d);
  const factor = median(distances) / medianChi2;
  const scaled = distances.map((v) => v / factor);
  const alpha = options.alpha ?? 0.001;
  const threshold = chiSquareQuantileApprox(1 - alpha, d);
  const flagged = Uint8Array.from(scaled, (v) => (v > threshold ? 1 : 0));
  const fraction = flagged.reduce((a, b) => a + b, 0) / n;
  return {
    distances: scaled,
    flagged,
    estimatedFraction: Math.max(0, (fraction - alpha) / (1 - alpha)),
    threshold,
  };
}

function smallest(values: Float64Array, h: number): number[] {
  return Array.from(values.keys())
    .sort((a, b) => values[a] - values[b])
    .slice(0, h)
    .sort((a, b) => a - b);
}

function take(m: Matrix, indices: number[]): Matrix {
  const data = new Float32Array(indices.length * m.cols);
  indices.forEach((row, i) => data.set(m.data.subarray(row * m.cols, (row + 1) * m.cols), i * m.cols));
  return { rows: indices.length, cols: m.cols, data };
}
