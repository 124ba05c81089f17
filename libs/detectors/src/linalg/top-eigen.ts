import * as tf from '@tensorflow/tfjs';
import { symmetricEigen, type SymmetricEigen } from './symmetric-eigen';

/**
 * Top-k eigenpairs of a symmetric PSD d×d matrix by block subspace iteration with Rayleigh–Ritz:
 * the d×d products run as tfjs matmuls, orthonormalisation and the small (k+p)² eigenproblem in
 * float64 JS. Used when d is too large for the O(d³) dense solver (d=4096 in the benchmark).
 */
export function topEigen(
  a: Float64Array,
  dim: number,
  k: number,
  options: { oversample?: number; iterations?: number; seed?: number } = {},
): SymmetricEigen {
  const p = Math.min(dim, k + (options.oversample ?? 16));
  const iterations = options.iterations ?? 12;
  const random = mulberry32(options.seed ?? 12345);
  // Basis stored transposed (p rows of length dim) so each vector is contiguous; since A is
  // symmetric, (A Q)ᵀ = Qᵀ A is one matmul.
  let Qt: Float64Array = new Float64Array(p * dim);
  for (let i = 0; i < Qt.length; i++) Qt[i] = random() - 0.5;
  orthonormaliseRows(Qt, p, dim);
  const A = tf.tensor2d(Float32Array.from(a), [dim, dim]);
  try {
    for (let it = 0; it < iterations; it++) {
      Qt = multiply(Qt, A, p, dim);
      orthonormaliseRows(Qt, p, dim);
    }
    // Rayleigh–Ritz: B = Qᵀ A Q (p×p), eigen-decomposed in float64, then rotate the basis.
    const AQt = multiply(Qt, A, p, dim);
    const B = new Float64Array(p * p);
    for (let i = 0; i < p; i++) {
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let r = 0; r < dim; r++) s += Qt[i * dim + r] * AQt[j * dim + r];
        B[i * p + j] = s;
        B[j * p + i] = s;
      }
    }
    const small = symmetricEigen(B, p);
    const values = small.values.slice(0, k);
    const vectors = new Float64Array(k * dim);
    for (let c = 0; c < k; c++) {
      const out = vectors.subarray(c * dim, (c + 1) * dim);
      for (let j = 0; j < p; j++) {
        const w = small.vectors[c * p + j];
        const q = Qt.subarray(j * dim, (j + 1) * dim);
        for (let r = 0; r < dim; r++) out[r] += w * q[r];
      }
    }
    return { dim, values, vectors };
  } finally {
    A.dispose();
  }
}

function multiply(Qt: Float64Array, A: tf.Tensor2D, p: number, dim: number): Float64Array {
  const out = tf.tidy(() => tf.matMul(tf.tensor2d(Float32Array.from(Qt), [p, dim]), A));
  const values = Float64Array.from(out.dataSync());
  out.dispose();
  return values;
}

/** Modified Gram–Schmidt, applied twice for stability, on the rows of a p×dim matrix. */
function orthonormaliseRows(Qt: Float64Array, p: number, dim: number): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < p; j++) {
      const v = Qt.subarray(j * dim, (j + 1) * dim);
      for (let i = 0; i < j; i++) {
        const u = Qt.subarray(i * dim, (i + 1) * dim);
        let dot = 0;
        for (let r = 0; r < dim; r++) dot += u[r] * v[r];
        for (let r = 0; r < dim; r++) v[r] -= dot * u[r];
      }
      let norm = 0;
      for (let r = 0; r < dim; r++) norm += v[r] * v[r];
      norm = Math.sqrt(norm) || 1;
      for (let r = 0; r < dim; r++) v[r] /= norm;
    }
  }
}

/** Small seeded generator so that fits are reproducible. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
