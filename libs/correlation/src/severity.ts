import type { Stage } from '@damon/contracts';

/**
 * p-values below this are clamped: a detector reporting p = 0 (an exhausted permutation test, an
 * underflow) would otherwise make the combined statistic infinite and every incident equal.
 */
export const MIN_P_VALUE = 1e-300;

/** Severity points added per stage beyond the first: evidence across stages tells a story. */
export const STAGE_BONUS = 1;

/**
 * Natural log of the chi-square survival function P(X > x) for even degrees of freedom 2k,
 * exactly: P = exp(-x/2) · Σ_{j<k} (x/2)^j / j!  (the Poisson(x/2) CDF at k-1).
 * Summed in log space so that large statistics (tiny p) neither overflow nor underflow.
 */
export function logChiSquareSurvivalEvenDf(x: number, degreesOfFreedom: number): number {
  if (!Number.isInteger(degreesOfFreedom) || degreesOfFreedom <= 0 || degreesOfFreedom % 2 !== 0) {
    throw new RangeError(`degrees of freedom must be a positive even integer, got ${degreesOfFreedom}`);
  }
  if (Number.isNaN(x)) throw new RangeError('chi-square statistic must be a number, got NaN');
  if (x <= 0) return 0;
  const half = x / 2;
  const logHalf = Math.log(half);
  const k = degreesOfFreedom / 2;
  // log of (x/2)^j / j!, built incrementally: term_j = term_{j-1} + log(x/2) - log(j)
  const logTerms: number[] = [0];
  for (let j = 1; j < k; j++) logTerms.push(logTerms[j - 1] + logHalf - Math.log(j));
  const max = Math.max(...logTerms);
  let sum = 0;
  for (const t of logTerms) sum += Math.exp(t - max);
  // The Poisson CDF is at most 1: clamp the rounding that could push it above.
  return Math.min(0, -half + max + Math.log(sum));
}

export function chiSquareSurvivalEvenDf(x: number, degreesOfFreedom: number): number {
  return Math.exp(logChiSquareSurvivalEvenDf(x, degreesOfFreedom));
}

/**
 * log10 of Fisher's combined p-value: X = -2 Σ ln p_i follows chi-square with 2k degrees of
 * freedom under the joint null of k independent tests.
 */
export function log10FisherCombinedP(pValues: readonly number[]): number {
  if (pValues.length === 0) return 0;
  let statistic = 0;
  for (const p of pValues) {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`p-value must lie in [0, 1], got ${p}`);
    statistic += -2 * Math.log(Math.max(p, MIN_P_VALUE));
  }
  return logChiSquareSurvivalEvenDf(statistic, 2 * pValues.length) / Math.LN10;
}

export function fisherCombinedP(pValues: readonly number[]): number {
  return Math.pow(10, log10FisherCombinedP(pValues));
}

/** One piece of evidence as severity sees it. */
export interface SeverityEvidence {
  detector: string;
  stage: Stage;
  pValue: number;
}

/**
 * severity = -log10(Fisher-combined p over the minimum p of each distinct detector)
 *            + STAGE_BONUS × (distinct stages − 1)
 *
 * Taking the minimum per detector first keeps one chatty detector (many alerts, same signal) from
 * counting as independent evidence, which Fisher's method assumes. Non-increasing in every
 * p-value, non-decreasing in the number of stages; 0 for no evidence.
 */
export function severityOf(evidence: readonly SeverityEvidence[]): number {
  if (evidence.length === 0) return 0;
  const minPerDetector = new Map<string, number>();
  const stages = new Set<Stage>();
  for (const e of evidence) {
    stages.add(e.stage);
    const current = minPerDetector.get(e.detector);
    if (current === undefined || e.pValue < current) minPerDetector.set(e.detector, e.pValue);
  }
  return severityFromSummary([...minPerDetector.values()], stages.size);
}

/** The same formula from what an incident keeps: the minimum p of each detector and its stage count. */
export function severityFromSummary(minPValuePerDetector: readonly number[], stageCount: number): number {
  if (minPValuePerDetector.length === 0) return 0;
  const combined = -log10FisherCombinedP(minPValuePerDetector);
  // + 0 turns the -0 of an all-ones combination into 0, which reads better in JSON.
  return combined + STAGE_BONUS * Math.max(0, stageCount - 1) + 0;
}
