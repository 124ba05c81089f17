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
 * `adaptive-cauchy`: the Cauchy combination weighted by how much each source's p-values in the
 * current batch depart from uniform (see `evidenceWeights`), calibrated under the same weights.
 */
export type FusionMethod = 'fisher' | 'min-p-sidak' | 'cauchy' | 'adaptive-cauchy';

const COMBINERS: Record<FusionMethod, (p: ArrayLike<number>, w?: ArrayLike<number>) => number> = {
  fisher: fisherCombine,
  'min-p-sidak': minPSidak,
  cauchy: cauchyCombine,
  'adaptive-cauchy': cauchyCombine,
};

/** Below this many items a batch says too little about which source carries evidence: equal weights. */
const MIN_ITEMS_FOR_WEIGHTS = 20;

/**
 * Per-source weights from the batch: z = (#{p ≤ τ} − nτ)/√(nτ(1−τ)), the excess of small p-values
 * over what a clean source gives, and w ∝ exp(2·max(z, 0)). A layer in which a sub-population of the
 * batch is anomalous gets most of the weight, so its ranking is not diluted by noise from the
 * others; on clean batches the weights stay near equal. The weights depend on the batch only, so
 * calibration items fused under the same weights give a valid conformal p-value.
 */
export function evidenceWeights(sources: ReadonlyArray<ArrayLike<number>>, threshold = 0.05): Float64Array {
  const n = sources[0]?.length ?? 0;
  if (n < MIN_ITEMS_FOR_WEIGHTS) return new Float64Array(sources.length).fill(1 / sources.length);
  const z = sources.map((source) => {
    let count = 0;
    for (let i = 0; i < n; i++) if (source[i] <= threshold) count += 1;
    return (count - n * threshold) / Math.sqrt(n * threshold * (1 - threshold));
  });
  const top = Math.max(0, ...z);
  const raw = Float64Array.from(z, (v) => Math.exp(2 * (Math.max(v, 0) - top)));
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
