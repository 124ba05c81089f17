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

export type FusionMethod = 'fisher' | 'min-p-sidak';

/** Fuses per-source p-values row by row: sources[s][i] is source s's p-value for item i. */
export function fusePValues(sources: ReadonlyArray<ArrayLike<number>>, method: FusionMethod): Float64Array {
  if (sources.length === 0) throw new Error('fusePValues: no sources');
  const n = sources[0].length;
  const combine = method === 'fisher' ? fisherCombine : minPSidak;
  const out = new Float64Array(n);
  const row = new Float64Array(sources.length);
  for (let i = 0; i < n; i++) {
    sources.forEach((source, s) => {
      if (source.length !== n) throw new Error('fusePValues: sources differ in length');
      row[s] = source[i];
    });
    out[i] = combine(row);
  }
  return out;
}
