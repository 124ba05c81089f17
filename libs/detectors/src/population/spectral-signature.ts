import { type Matrix, pickRows } from '../matrix';
import { accumulateMoments } from '../linalg/moments';
import { symmetricEigen } from '../linalg/symmetric-eigen';
import { mulberry32, topEigen } from '../linalg/top-eigen';
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
  /** Per-sample robust z (median/MAD) of the signed projection on the top direction. */
  readonly robustZ: Float64Array;
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
  const robustZ = Float64Array.from(top, (p) => (p - centre) / scale);
  const flagged = Uint8Array.from(robustZ, (z) => (Math.abs(z) > cutoff ? 1 : 0));
  const flaggedFraction = flagged.reduce((a, b) => a + b, 0) / batch.rows;
  const expected = 2 * normalSf(cutoff);
  return {
    scores,
    singularValues: Array.from(eigen.values.slice(0, components), (v) => Math.sqrt(Math.max(v, 0))),
    directions,
    flagged,
    robustZ,
    estimatedFraction: Math.max(0, (flaggedFraction - expected) / (1 - expected)),
  };
}

/** Share of the centred batch's variance along its top direction (large when a sub-population is shifted). */
export function topDirectionShare(batch: Matrix): number {
  const signature = spectralSignature(batch);
  const moments = accumulateMoments(batch);
  let total = 0;
  for (let j = 0; j < batch.cols; j++) total += moments.scatter[j * batch.cols + j];
  return total > 0 ? signature.singularValues[0] ** 2 / total : 0;
}

/**
 * The top-direction share of `draws` random sub-batches of `batchSize` trusted rows, drawn without
 * replacement (seeded): the null distribution a batch's share is calibrated against. The statistic
 * fits nothing on the reference, so every trusted row may be drawn, and a reference sent as one
 * batch works as well as one sent in many. Its null shrinks as batches grow, so calibrating at a
 * size at most the scored batch's is conservative.
 */
export function spectralNullShares(
  reference: Matrix,
  batchSize: number,
  draws: number,
  seed: number,
): number[] {
  if (batchSize < 4 || batchSize > reference.rows)
    throw new Error(`spectralNullShares: batch size ${batchSize} for ${reference.rows} reference rows`);
  const random = mulberry32(seed);
  const pool = Array.from({ length: reference.rows }, (_, i) => i);
  return Array.from({ length: draws }, () => {
    for (let i = 0; i < batchSize; i++) {
      const j = i + Math.floor(random() * (pool.length - i));
      [pool[i], pool[j]] = [pool[j], pool[i]];
    }
    return topDirectionShare(pickRows(reference, pool.slice(0, batchSize)));
  });
}
