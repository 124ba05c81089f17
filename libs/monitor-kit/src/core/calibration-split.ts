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

// The maths lives in @damon/detectors; re-exported for the stage handlers that import it from here.
export { scoreHistogram, fitFusedCalibrator, fusedStatistic, type ScoreHistogram } from '@damon/detectors';

export function round(value: number, digits = 6): number {
  return Number.isFinite(value) ? Number(value.toPrecision(digits)) : value;
}
