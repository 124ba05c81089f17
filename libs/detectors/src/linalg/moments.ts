import * as tf from '@tensorflow/tfjs';
import { type Matrix, sliceRows } from '../matrix';

/** Centred first and second moments of a reference matrix, accumulated in float64. */
export interface Moments {
  readonly n: number;
  readonly dim: number;
  readonly mean: Float64Array;
  /** Σ (x-μ)(x-μ)ᵀ, row-major dim×dim (not divided by n). */
  readonly scatter: Float64Array;
  /** Σ ‖x-μ‖⁴: the only fourth-moment term Ledoit–Wolf needs. */
  readonly sumNormFourth: number;
}

export function columnMeans(m: Matrix): Float64Array {
  const mean = new Float64Array(m.cols);
  for (let i = 0; i < m.rows; i++) {
    const row = i * m.cols;
    for (let j = 0; j < m.cols; j++) mean[j] += m.data[row + j];
  }
  for (let j = 0; j < m.cols; j++) mean[j] /= Math.max(1, m.rows);
  return mean;
}

/** Rows of m minus mean, as float32 (the centring itself is done in float64). */
export function centred(m: Matrix, mean: ArrayLike<number>): Matrix {
  const out = new Float32Array(m.data.length);
  for (let i = 0; i < m.rows; i++) {
    const row = i * m.cols;
    for (let j = 0; j < m.cols; j++) out[row + j] = m.data[row + j] - mean[j];
  }
  return { rows: m.rows, cols: m.cols, data: out };
}

/**
 * (a-μa)ᵀ(b-μb) accumulated over row chunks: each chunk is a float32 matmul on the tfjs backend,
 * summed into float64 so that 20k+ rows at d=4096 neither overflow memory nor lose precision.
 */
export function crossProduct(
  a: Matrix,
  meanA: ArrayLike<number>,
  b: Matrix,
  meanB: ArrayLike<number>,
  chunkRows = 2048,
): Float64Array {
  if (a.rows !== b.rows) throw new Error(`crossProduct: ${a.rows} vs ${b.rows} rows`);
  const out = new Float64Array(a.cols * b.cols);
  for (let start = 0; start < a.rows; start += chunkRows) {
    const ca = centred(sliceRows(a, start, start + chunkRows), meanA);
    const cb = b === a && meanA === meanB ? ca : centred(sliceRows(b, start, start + chunkRows), meanB);
    const product = tf.tidy(() => {
      const ta = tf.tensor2d(ca.data, [ca.rows, ca.cols]);
      const tb = cb === ca ? ta : tf.tensor2d(cb.data, [cb.rows, cb.cols]);
      // An explicit transpose: the WASM backend's transposeA matmul path is ~30× slower.
      return tf.matMul(tf.transpose(ta), tb);
    });
    const values = product.dataSync();
    product.dispose();
    for (let i = 0; i < out.length; i++) out[i] += values[i];
  }
  return out;
}

export function accumulateMoments(x: Matrix, chunkRows = 2048): Moments {
  if (x.rows < 2) throw new Error('accumulateMoments: need at least 2 rows');
  const mean = columnMeans(x);
  const scatter = crossProduct(x, mean, x, mean, chunkRows);
  // The float32 matmul leaves tiny asymmetries; symmetrise so the eigen-solver sees a symmetric matrix.
  const d = x.cols;
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      const v = 0.5 * (scatter[i * d + j] + scatter[j * d + i]);
      scatter[i * d + j] = v;
      scatter[j * d + i] = v;
    }
  }
  let sumNormFourth = 0;
  for (let i = 0; i < x.rows; i++) {
    let sq = 0;
    const row = i * d;
    for (let j = 0; j < d; j++) {
      const v = x.data[row + j] - mean[j];
      sq += v * v;
    }
    sumNormFourth += sq * sq;
  }
  return { n: x.rows, dim: d, mean, scatter, sumNormFourth };
}
