import { chiSquareSf } from '../special-functions';

export interface SliceCount {
  readonly slice: string;
  readonly accepted: number;
  readonly total: number;
}

export interface ChiSquareRatesResult {
  readonly statistic: number;
  readonly dof: number;
  readonly pValue: number;
  readonly pooledRate: number;
  /** Pearson residuals of the accepted cell per slice: which slices the curator favours or rejects. */
  readonly residuals: { slice: string; rate: number; residual: number }[];
}

/**
 * Chi-square test of homogeneity of acceptance rates across slices (2×k table, no continuity
 * correction: same as scipy.stats.chi2_contingency(correction=False)).
 */
export function chiSquareRates(slices: readonly SliceCount[]): ChiSquareRatesResult {
  const used = slices.filter((s) => s.total > 0);
  if (used.length < 2) throw new Error('chiSquareRates: need at least two non-empty slices');
  const accepted = used.reduce((a, s) => a + s.accepted, 0);
  const total = used.reduce((a, s) => a + s.total, 0);
  const pooledRate = accepted / total;
  let statistic = 0;
  const residuals = used.map((s) => {
    if (s.accepted < 0 || s.accepted > s.total)
      throw new Error(`chiSquareRates: slice ${s.slice} has accepted outside [0, total]`);
    const expectedAccepted = s.total * pooledRate;
    const expectedRejected = s.total - expectedAccepted;
    if (expectedAccepted > 0) statistic += (s.accepted - expectedAccepted) ** 2 / expectedAccepted;
    if (expectedRejected > 0) statistic += (s.total - s.accepted - expectedRejected) ** 2 / expectedRejected;
    return {
      slice: s.slice,
      rate: s.accepted / s.total,
      residual: expectedAccepted > 0 ? (s.accepted - expectedAccepted) / Math.sqrt(expectedAccepted) : 0,
    };
  });
  const dof = used.length - 1;
  const degenerate = pooledRate === 0 || pooledRate === 1;
  return { statistic, dof, pValue: degenerate ? 1 : chiSquareSf(statistic, dof), pooledRate, residuals };
}
