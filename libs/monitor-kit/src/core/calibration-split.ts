import { ConformalCalibrator, fusePValues, type FusionMethod } from '@damon/detectors';

/**
 * Whether reference item `index` belongs to the held-out calibration split: evenly spread so that
 * exactly ⌊n·fraction⌋ of any prefix of n items are held out, deterministic so a refit after a
 * restart chooses the same split.
 */
export function isCalibrationItem(index: number, fraction: number): boolean {
  return Math.floor((index + 1) * fraction) > Math.floor(index * fraction);
}

/** Indexes [0, n) split into fit and calibration parts. */
export function splitIndexes(n: number, fraction: number): { fit: number[]; calibration: number[] } {
  const fit: number[] = [];
  const calibration: number[] = [];
  for (let i = 0; i < n; i++) (isCalibrationItem(i, fraction) ? calibration : fit).push(i);
  return { fit, calibration };
}

/** Reference histogram of calibration scores against which a person can place the current score. */
export interface ScoreHistogram {
  edges: number[];
  counts: number[];
}

export function scoreHistogram(scores: ArrayLike<number>, bins = 20): ScoreHistogram {
  const values = Array.from(scores).filter(Number.isFinite);
  if (values.length === 0) return { edges: [], counts: [] };
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const width = hi > lo ? (hi - lo) / bins : 1;
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.floor((v - lo) / width))] += 1;
  const edges = Array.from({ length: bins + 1 }, (_, i) => round(lo + i * width));
  return { edges, counts };
}

export function round(value: number, digits = 6): number {
  return Number.isFinite(value) ? Number(value.toPrecision(digits)) : value;
}

/**
 * Fused p-values calibrated once more: per-component conformal p-values are fused (Fisher or
 * min-p Šidák), and the fused value is itself turned into a conformal p-value against the fused
 * values of the calibration items, so dependence between layers cannot inflate the false-positive
 * rate. Calibration items get leave-one-out component p-values, as a new item would.
 */
export function fitFusedCalibrator(
  componentCalScores: readonly Float32Array[] | readonly number[][],
  calibrators: readonly ConformalCalibrator[],
  method: FusionMethod,
): ConformalCalibrator {
  const n = componentCalScores[0]?.length ?? 0;
  const pValues = componentCalScores.map((scores, c) => {
    const calibrator = calibrators[c];
    return Float64Array.from(scores, (s) =>
      Math.max(calibrator.pValue(s) - 1 / (calibrator.size + 1), 1 / (calibrator.size + 1)),
    );
  });
  const fused = fusePValues(pValues, method);
  return new ConformalCalibrator().fit(Float64Array.from({ length: n }, (_, i) => fusedStatistic(fused[i])));
}

/** Larger is more anomalous, as the calibrator expects. */
export function fusedStatistic(fusedP: number): number {
  return -Math.log(Math.max(fusedP, Number.MIN_VALUE));
}
