import { type Matrix } from '../matrix';
import { accumulateMoments } from '../linalg/moments';
import { symmetricEigen } from '../linalg/symmetric-eigen';
import { topEigen } from '../linalg/top-eigen';
import { median, normalSf, scaledMad } from '../special-functions';

export interface SpectralSignatureOptions {
  /** Top singular directions used for the score (default 1, as in Tran et al. 2018). */
  components?: number;
  /** Robust |z| of the top projection above which a sample counts as poisoned (default 3.5). */
  cutoff?: number;
}

export interface SpectralSignatureResult {
  /** Per-sample score: squared projection of the centred sample on the top direction(s). */
  readonly scores: Float64Array;
  readonly singularValues: number[];
  /** Row-major components×d top right-singular vectors of the centred batch. */
  readonly directions: Float64Array;
  readonly flagged: Uint8Array;
  /** Flagged fraction minus the fraction a clean Gaussian batch would flag at the cutoff, floored at 0. */
  readonly estimatedFraction: number;
}

/**
 * Spectral signatures (Tran, Li & Madry 2018): a poisoned sub-population shifts the mean along a
 * direction that dominates the top singular vectors of the centred batch, so its samples have large
 * projections there. The poisoned fraction is estimated from a median/MAD robust z of the top
 * projection (both statistics stay with the clean majority while the fraction is below one half).
 */
export function spectralSignature(
  batch: Matrix,
  options: SpectralSignatureOptions = {},
): SpectralSignatureResult {
  const d = batch.cols;
  const components = Math.min(options.components ?? 1, d);
  const moments = accumulateMoments(batch);
  const eigen = d > 1024 ? topEigen(moments.scatter, d, components) : symmetricEigen(moments.scatter, d);
  const directions = eigen.vectors.slice(0, components * d);
  const scores = new Float64Array(batch.rows);
  const top = new Float64Array(batch.rows);
  for (let i = 0; i < batch.rows; i++) {
    for (let c = 0; c < components; c++) {
      let p = 0;
      for (let j = 0; j < d; j++) p += (batch.data[i * d + j] - moments.mean[j]) * directions[c * d + j];
      scores[i] += p * p;
      if (c === 0) top[i] = p;
    }
  }
  const cutoff = options.cutoff ?? 3.5;
  const centre = median(top);
  const scale = scaledMad(top, centre) || 1;
  const flagged = Uint8Array.from(top, (p) => (Math.abs(p - centre) / scale > cutoff ? 1 : 0));
  const flaggedFraction = flagged.reduce((a, b) => a + b, 0) / batch.rows;
  const expected = 2 * normalSf(cutoff);
  return {
    scores,
    singularValues: Array.from(eigen.values.slice(0, components), (v) => Math.sqrt(Math.max(v, 0))),
    directions,
    flagged,
    estimatedFraction: Math.max(0, (flaggedFraction - expected) / (1 - expected)),
  };
}
