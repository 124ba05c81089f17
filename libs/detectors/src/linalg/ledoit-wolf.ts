import { type Moments } from './moments';

export type Shrinkage = 'ledoit-wolf' | 'none' | number;

export interface ShrunkCovariance {
  /** (1-s)·S + s·μ·I with S the biased (÷n) empirical covariance; row-major d×d. */
  readonly covariance: Float64Array;
  readonly shrinkage: number;
  /** trace(S)/d, the target's scale. */
  readonly mu: number;
}

/**
 * Ledoit–Wolf optimal shrinkage intensity, the same estimator as sklearn.covariance.ledoit_wolf_shrinkage
 * (data centred by its mean). The fourth-moment term Σᵢⱼ (X²ᵀX²)ᵢⱼ equals Σₙ ‖xₙ‖⁴, so it needs no
 * second d×d product.
 */
export function ledoitWolfShrinkage(m: Moments): number {
  const { n, dim: d, scatter } = m;
  let trace = 0;
  let frob = 0;
  for (let i = 0; i < d; i++) trace += scatter[i * d + i] / n;
  for (let i = 0; i < scatter.length; i++) frob += (scatter[i] / n) ** 2;
  const mu = trace / d;
  let beta = (m.sumNormFourth / n - frob) / (d * n);
  const delta = (frob - 2 * mu * trace + d * mu * mu) / d;
  beta = Math.min(beta, delta);
  return beta === 0 || delta === 0 ? 0 : beta / delta;
}

export function shrunkCovariance(m: Moments, shrinkage: Shrinkage): ShrunkCovariance {
  const { n, dim: d, scatter } = m;
  const s = shrinkage === 'ledoit-wolf' ? ledoitWolfShrinkage(m) : shrinkage === 'none' ? 0 : shrinkage;
  if (!(s >= 0 && s <= 1)) throw new Error(`shrinkage must lie in [0, 1], got ${s}`);
  let trace = 0;
  for (let i = 0; i < d; i++) trace += scatter[i * d + i] / n;
  const mu = trace / d;
  const covariance = new Float64Array(d * d);
  for (let i = 0; i < covariance.length; i++) covariance[i] = ((1 - s) * scatter[i]) / n;
  for (let i = 0; i < d; i++) covariance[i * d + i] += s * mu;
  return { covariance, shrinkage: s, mu };
}
