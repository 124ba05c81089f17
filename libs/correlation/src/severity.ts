import type { ArtifactRef, Stage } from '@damon/contracts';
import { binomialSf, logChiSquareSf } from '@damon/detectors';

/**
 * No single detector claims more than this many points (orders of magnitude of its p-value): beyond
 * ~12 no tail model (a generalized-Pareto extrapolation, a closed-form run length) is trustworthy,
 * model error dominates, and one detector must not drown all others. It is also the evidence of a rule
 * that asserts rather than tests (an unknown provenance, sent as p = 0): as strong as any detector's
 * strongest, never ≈ 300 as the old clamp at 1e-300 made it.
 */
export const MAX_DETECTOR_EVIDENCE = 12;

/** The smallest p-value severity uses: 10^−MAX_DETECTOR_EVIDENCE. */
export const MIN_P_VALUE = Math.pow(10, -MAX_DETECTOR_EVIDENCE);

/**
 * A detector's p-value with its evidence e = −log10 p softly bounded: e' = E·tanh(e/E), E the maximum.
 * A hard clamp would make every strong detector equal again (the floor problem this replaces); the soft
 * bound is strictly monotone, so stronger evidence still ranks higher, and e' ≈ e for moderate
 * evidence (e = 2 → 1.98, e = 4 → 3.86).
 */
export function boundedPValue(p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`p-value must lie in [0, 1], got ${p}`);
  const evidence = p > 0 ? -Math.log10(p) : Infinity;
  return Math.pow(10, -MAX_DETECTOR_EVIDENCE * Math.tanh(evidence / MAX_DETECTOR_EVIDENCE));
}

/** Severity points added per stage beyond the first: evidence across stages tells a story. */
export const STAGE_BONUS = 1;

/** Weight of the flagged-count term: it overlaps the tail evidence of the same detector, so it counts half. */
export const COUNT_WEIGHT = 0.5;

/** Persistence: up to this many points, log10(1 + span / unit) of the incident's alert span. */
export const PERSISTENCE_MAX = 1;
export const PERSISTENCE_UNIT_MS = 10 * 60_000;

/**
 * log10 of Fisher's combined p-value: X = −2 Σ ln p_i follows χ² with 2k degrees of freedom under the
 * joint null of k independent tests (the chi-square tail is the project's one, in @damon/detectors).
 */
export function log10FisherCombinedP(pValues: readonly number[]): number {
  if (pValues.length === 0) return 0;
  let statistic = 0;
  for (const p of pValues) {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`p-value must lie in [0, 1], got ${p}`);
    statistic += -2 * Math.log(Math.max(p, MIN_P_VALUE));
  }
  return logChiSquareSf(statistic, 2 * pValues.length) / Math.LN10;
}

export function fisherCombinedP(pValues: readonly number[]): number {
  return Math.pow(10, log10FisherCombinedP(pValues));
}

/** Items a detector flagged out of those it tested, at the per-item rate α it was calibrated for. */
export interface FlaggedCount {
  flagged: number;
  tested: number;
  alpha: number;
}

/**
 * P(X ≥ flagged) for X ~ Binomial(tested, α): how surprising that many flagged items are when each
 * clean item is flagged with probability α. 1 without a count.
 */
export function flaggedCountPValue(count: FlaggedCount | undefined): number {
  if (!count || count.tested <= 0) return 1;
  const flagged = Math.min(Math.max(0, Math.round(count.flagged)), Math.round(count.tested));
  return binomialSf(flagged, Math.round(count.tested), Math.min(1, Math.max(0, count.alpha)));
}

/** One piece of evidence as severity sees it. */
export interface SeverityEvidence {
  detector: string;
  stage: Stage;
  /** The alert's tail p-value (beyond the calibration floor) when it carries one, else its p-value. */
  pValue: number;
  /** Flagged items against α, when the detector flags items. */
  flagged?: FlaggedCount;
  /** Event time (ms) of the alert. */
  at?: number;
}

/**
 * Beta prior on a detector's precision (share of its alerts on a subject that triage calls deceptive):
 * Beta(VERDICT_PRIOR_A, VERDICT_PRIOR_B), prior mean 0.8 — a detector is trusted until verdicts say
 * otherwise, and two pseudo-verdicts' worth of belief (a + b = 2.5) gives way after a few real ones.
 */
export const VERDICT_PRIOR_A = 2;
export const VERDICT_PRIOR_B = 0.5;

/** Triage verdicts on one detector's incidents for one subject. */
export interface VerdictCounts {
  benign: number;
  deceptive: number;
}

/**
 * The weight of a detector's evidence on a subject: the posterior mean precision under
 * Beta(a + deceptive, b + benign) divided by the prior mean a/(a + b), clamped to [0, 1]. 1 without
 * verdicts, non-increasing in benign verdicts, non-decreasing in deceptive ones (20 benign → ≈ 0.11).
 */
export function verdictWeight(
  counts: VerdictCounts | undefined,
  a = VERDICT_PRIOR_A,
  b = VERDICT_PRIOR_B,
): number {
  if (!(a > 0 && b > 0)) throw new RangeError(`Beta prior needs a, b > 0, got ${a}, ${b}`);
  const benign = Math.max(0, counts?.benign ?? 0);
  const deceptive = Math.max(0, counts?.deceptive ?? 0);
  const posterior = (a + deceptive) / (a + b + deceptive + benign);
  return Math.min(1, Math.max(0, posterior / (a / (a + b))));
}

/** A detector's weight as recorded with an incident's severity terms. */
export interface DetectorWeight extends VerdictCounts {
  detector: string;
  weight: number;
  /** The subjects whose verdict records were summed (set by the correlator, which knows them). */
  subjects?: ArtifactRef[];
}

/** What an incident keeps to recompute its severity, and what it shows of it. */
export interface SeveritySummary {
  /** Minimum (tail) p-value per detector. */
  detectorMinP: ReadonlyMap<string, number>;
  /** Minimum flagged-count p-value per detector (only detectors that flag items). */
  detectorMinCountP: ReadonlyMap<string, number>;
  stageCount: number;
  /** Event-time span of the incident's alerts, in ms. */
  spanMs: number;
}

/** Which terms made a severity; they add up to it. */
export interface SeverityTerms {
  /** −log10 Fisher(minimum tail p of each detector), each p softly bounded (boundedPValue). */
  evidence: number;
  /** COUNT_WEIGHT × −log10 Fisher(minimum flagged-count p of each detector). */
  flaggedCount: number;
  /** STAGE_BONUS × (distinct stages − 1). */
  stages: number;
  /** min(PERSISTENCE_MAX, log10(1 + span / 10 min)). */
  persistence: number;
  /** The verdict weights applied (only detectors with verdicts; absent ones weigh 1). */
  detectorWeights?: DetectorWeight[];
}

/**
 * severity = evidence + flaggedCount + stages + persistence (see SeverityTerms).
 *
 * Taking the minimum per detector first keeps one chatty detector (many alerts, same signal) from
 * counting as independent evidence, which Fisher's method assumes. Tail p-values keep falling beyond
 * the conformal floor 1/(n+1), so strong incidents are not all equal; every p is softly bounded
 * (boundedPValue), so detectors stay comparable and none outweighs all others. Non-decreasing in each term
 * (lower p, more flagged items, more stages, longer span); 0 for no evidence.
 */
export function severityTerms(
  summary: SeveritySummary,
  verdicts?: ReadonlyMap<string, VerdictCounts>,
): SeverityTerms {
  if (summary.detectorMinP.size === 0) return { evidence: 0, flaggedCount: 0, stages: 0, persistence: 0 };
  // A weight w scales a detector's evidence: p → p^w (−log10 p → w·(−log10 p)); w = 1 leaves p as is.
  const weights = new Map<string, number>();
  const detectorWeights: DetectorWeight[] = [];
  for (const detector of [...summary.detectorMinP.keys()].sort()) {
    const counts = verdicts?.get(detector);
    if (!counts || counts.benign + counts.deceptive <= 0) continue;
    const weight = verdictWeight(counts);
    weights.set(detector, weight);
    detectorWeights.push({ detector, weight, benign: counts.benign, deceptive: counts.deceptive });
  }
  const weighted = (detector: string, p: number) => {
    const w = weights.get(detector);
    return w === undefined ? p : Math.pow(p, w);
  };
  // + 0 turns the −0 of an all-ones combination into 0, which reads better in JSON.
  const evidence =
    -log10FisherCombinedP(
      [...summary.detectorMinP].map(([detector, p]) => weighted(detector, boundedPValue(p))),
    ) + 0;
  const counts = [...summary.detectorMinCountP].map(([detector, p]) => weighted(detector, boundedPValue(p)));
  const flaggedCount = counts.length > 0 ? COUNT_WEIGHT * -log10FisherCombinedP(counts) + 0 : 0;
  const stages = STAGE_BONUS * Math.max(0, summary.stageCount - 1);
  const persistence = Math.min(
    PERSISTENCE_MAX,
    Math.log10(1 + Math.max(0, summary.spanMs) / PERSISTENCE_UNIT_MS),
  );
  const terms: SeverityTerms = { evidence, flaggedCount, stages, persistence };
  if (detectorWeights.length > 0) terms.detectorWeights = detectorWeights;
  return terms;
}

export function totalSeverity(terms: SeverityTerms): number {
  return terms.evidence + terms.flaggedCount + terms.stages + terms.persistence;
}

/** The summary of a list of evidence: minimum p and count p per detector, stages, span. */
export function summarise(evidence: readonly SeverityEvidence[]): SeveritySummary {
  const detectorMinP = new Map<string, number>();
  const detectorMinCountP = new Map<string, number>();
  const stages = new Set<Stage>();
  let first = Infinity;
  let last = -Infinity;
  for (const e of evidence) {
    stages.add(e.stage);
    const current = detectorMinP.get(e.detector);
    if (current === undefined || e.pValue < current) detectorMinP.set(e.detector, e.pValue);
    if (e.flagged) {
      const p = flaggedCountPValue(e.flagged);
      const c = detectorMinCountP.get(e.detector);
      if (c === undefined || p < c) detectorMinCountP.set(e.detector, p);
    }
    if (e.at !== undefined) {
      first = Math.min(first, e.at);
      last = Math.max(last, e.at);
    }
  }
  return {
    detectorMinP,
    detectorMinCountP,
    stageCount: stages.size,
    spanMs: last > first ? last - first : 0,
  };
}

export function severityOf(evidence: readonly SeverityEvidence[]): number {
  return totalSeverity(severityTerms(summarise(evidence)));
}
