import { chiSquareSf } from '../special-functions';

/**
 * Fisher's method: −2 Σ ln pᵢ ~ χ²(2k) under independent nulls. Best when evidence is spread over
 * many layers/features; anti-conservative when they are positively dependent.
 */
export function fisherCombine(pValues: ArrayLike<number>): number {
  const k = pValues.length;
  if (k === 0) throw new Error('fisherCombine: no p-values');
  let statistic = 0;
  for (let i = 0; i < k; i++) statistic += -2 * Math.log(Math.max(pValues[i], Number.MIN_VALUE));
  return chiSquareSf(statistic, 2 * k);
}

/**
 * Minimum p-value with Šidák's correction, 1 − (1 − min p)^k: exact for independent p-values and
 * conservative under positive dependence; best when one layer carries the signal.
 */
export function minPSidak(pValues: ArrayLike<number>): number {
  const k = pValues.length;
  if (k === 0) throw new Error('minPSidak: no p-values');
  let min = 1;
  for (let i = 0; i < k; i++) min = Math.min(min, pValues[i]);
  return -Math.expm1(k * Math.log1p(-Math.min(min, 1 - 1e-16)));
}

/**
 * Cauchy combination (ACAT, Liu & Xie 2020): T = mean tan((½ − pᵢ)π), p = ½ − arctan(T)/π. Its tail
 * is Cauchy whatever the dependence between the p-values, and a single tiny pᵢ dominates T (≈ 1/(π pᵢ k)),
 * so the strongest layer's evidence is kept instead of being averaged away as Fisher's sum does.
 */
export function cauchyCombine(pValues: ArrayLike<number>, weights?: ArrayLike<number>): number {
  const k = pValues.length;
  if (k === 0) throw new Error('cauchyCombine: no p-values');
  let statistic = 0;
  let total = 0;
  let bound = Infinity;
  for (let i = 0; i < k; i++) {
    const w = weights ? weights[i] : 1;
    const p = Math.min(Math.max(pValues[i], Number.MIN_VALUE), 1);
    total += w;
    if (w > 0) bound = Math.min(bound, p / w);
    // tan((½ − p)π) = 1/tan(pπ); for p below 1e-15 tan(pπ) = pπ to double precision.
    statistic += w * (p < 1e-15 ? 1 / (p * Math.PI) : 1 / Math.tan(p * Math.PI));
  }
  statistic /= total;
  // Beyond double range the tail is min pᵢ·Σw/wᵢ to first order (the same asymptote).
  if (!Number.isFinite(statistic)) return Math.min(1, bound * total);
  // ½ − arctan(T)/π, written as arctan(1/T)/π for T > 0 so tiny p-values keep their precision.
  return statistic > 0 ? Math.atan(1 / statistic) / Math.PI : 0.5 - Math.atan(statistic) / Math.PI;
}

/**
 * The weighted geometric mean of the p-values, exp(Σ wᵢ ln pᵢ / Σ wᵢ): Fisher's statistic with
 * weights. Not a p-value by itself (its null law depends on the weights); `FusedCalibration`
 * calibrates it against the calibration items fused the same way. Unlike the Cauchy combination,
 * a source with a small weight moves the result by a small amount whatever its p-value in the bulk
 * (−ln p is bounded as p → 1, where tan((½ − p)π) runs to −∞), so a ranking carried by the heavily
 * weighted source is not reshuffled by the lightly weighted ones; two sources that both carry
 * evidence add up instead of the smaller p-value winning.
 */
export function weightedFisherCombine(pValues: ArrayLike<number>, weights?: ArrayLike<number>): number {
  const k = pValues.length;
  if (k === 0) throw new Error('weightedFisherCombine: no p-values');
  let sum = 0;
  let total = 0;
  for (let i = 0; i < k; i++) {
    const w = weights ? weights[i] : 1;
    total += w;
    if (w > 0) sum += w * Math.log(Math.max(pValues[i], Number.MIN_VALUE));
  }
  return Math.exp(sum / total);
}

/**
 * `adaptive-fisher` (default) and `adaptive-cauchy`: Fisher's statistic (weighted geometric mean) or the
 * Cauchy combination, weighted by how much each source's p-values depart from uniform in the current
 * batch and the stream's recent ones (see `weightsFromEvidence`), calibrated under the same weights.
 */
export type FusionMethod = 'fisher' | 'min-p-sidak' | 'cauchy' | 'adaptive-cauchy' | 'adaptive-fisher';

/** Methods whose weights come from the evidence (and may pool it over a stream's batches). */
export function isAdaptiveFusion(method: FusionMethod): boolean {
  return method === 'adaptive-cauchy' || method === 'adaptive-fisher';
}

const COMBINERS: Record<FusionMethod, (p: ArrayLike<number>, w?: ArrayLike<number>) => number> = {
  fisher: fisherCombine,
  'min-p-sidak': minPSidak,
  cauchy: cauchyCombine,
  'adaptive-cauchy': cauchyCombine,
  'adaptive-fisher': weightedFisherCombine,
};

/**
 * The departure z beyond which a source's evidence counts as decisive. The GLR weight assumes one
 * source carries the anomaly; when several carry it decisively (a strong shift seen by the Gaussian,
 * the k-NN and QUE of two layers), z grows with the pooled batches and exp(z²/2) would hand all the
 * weight to whichever the clean items' noise puts first, which may not see every anomalous item.
 * Capped, decisive sources share the weight equally, and a weak source that is the only one to depart
 * still takes it from the noise (z = 5 against noise below ~3: a ratio above e⁸).
 */
const DECISIVE_Z = 5;

/** Below this many items (pooled) the evidence says too little about which source carries it: equal weights. */
const MIN_ITEMS_FOR_WEIGHTS = 20;

/**
 * Cap of one item's −ln p in the evidence sum: past it (p < 10⁻⁶) an item is already decisive, and
 * one extreme item must not outweigh a sub-population. Under a clean source −ln p is Exp(1), which
 * exceeds the cap with probability 10⁻⁶, so the null mean and variance stay 1.
 */
const EVIDENCE_CAP = -Math.log(1e-6);

/**
 * What fusion weights rest on: per source, Σ min(−ln pᵢ, cap) over its items, and how many items.
 * Additive, so a stream can pool it over its recent batches (see `pooledEvidence`).
 */
export interface FusionEvidence {
  readonly logSum: number[];
  readonly items: number;
}

/** A batch's evidence: per source, the capped sum of its items' −ln p. */
export function batchEvidence(sources: ReadonlyArray<ArrayLike<number>>): FusionEvidence {
  const items = sources[0]?.length ?? 0;
  const logSum = sources.map((source) => {
    let sum = 0;
    for (let i = 0; i < items; i++)
      sum += Math.min(-Math.log(Math.max(source[i], Number.MIN_VALUE)), EVIDENCE_CAP);
    return sum;
  });
  return { logSum, items };
}

/** The sum of several batches' evidence over the same sources (undefined parts are skipped). */
export function pooledEvidence(parts: ReadonlyArray<FusionEvidence | undefined>): FusionEvidence {
  const present = parts.filter((p): p is FusionEvidence => p !== undefined);
  const sources = present[0]?.logSum.length ?? 0;
  for (const part of present)
    if (part.logSum.length !== sources) throw new Error('pooledEvidence: parts differ in their sources');
  return {
    logSum: Array.from({ length: sources }, (_, s) => present.reduce((sum, p) => sum + p.logSum[s], 0)),
    items: present.reduce((sum, p) => sum + p.items, 0),
  };
}

/**
 * Per-source weights from evidence. z = (Σ min(−ln pᵢ, cap) − n)/√n measures how far the source's
 * p-values depart from uniform (−ln p of a clean item is Exp(1): mean 1, variance 1); the weight is
 * the generalized-likelihood-ratio posterior that the source is the one carrying the anomaly,
 * w ∝ exp(z₊²/2) (z ~ N(δ√n, 1) with δ unknown, maximized over δ ≥ 0), with z₊ = min(max(z, 0), 5)
 * (see DECISIVE_Z). A source in which a sub-population is anomalous gets most of the weight, so its
 * ranking is not diluted by noise from the others; on clean data z is about standard normal whatever n, so no source dominates. The sum counts
 * how small the p-values are, not only how many fall below a threshold, so a few items well beyond
 * the bulk weigh as they should. Pooling a stream's recent batches makes z grow with √(batches) for a
 * persistent weak anomaly, where one batch's departure is lost in the noise of the other sources.
 * Evidence from the batch and earlier batches of its stream never involves the calibration items, so
 * calibration items fused under the same weights give a valid conformal p-value.
 */
export function weightsFromEvidence(evidence: FusionEvidence): Float64Array {
  const { logSum, items: n } = evidence;
  if (n < MIN_ITEMS_FOR_WEIGHTS) return new Float64Array(logSum.length).fill(1 / logSum.length);
  const log = logSum.map((sum) => Math.min(Math.max((sum - n) / Math.sqrt(n), 0), DECISIVE_Z) ** 2 / 2);
  const top = Math.max(...log);
  const raw = Float64Array.from(log, (v) => Math.exp(v - top));
  const total = raw.reduce((a, b) => a + b, 0);
  return raw.map((w) => w / total);
}

/** Fuses per-source p-values row by row: sources[s][i] is source s's p-value for item i. */
export function fusePValues(
  sources: ReadonlyArray<ArrayLike<number>>,
  method: FusionMethod,
  weights?: ArrayLike<number>,
): Float64Array {
  if (sources.length === 0) throw new Error('fusePValues: no sources');
  const n = sources[0].length;
  const combine = COMBINERS[method];
  const out = new Float64Array(n);
  const row = new Float64Array(sources.length);
  for (let i = 0; i < n; i++) {
    sources.forEach((source, s) => {
      if (source.length !== n) throw new Error('fusePValues: sources differ in length');
      row[s] = source[i];
    });
    out[i] = combine(row, weights);
  }
  return out;
}
