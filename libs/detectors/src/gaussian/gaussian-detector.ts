import * as tf from '@tensorflow/tfjs';
import { valuesInPlace } from '../backend';
import { type Matrix, assertCols } from '../matrix';
import { CBLAS, openBlas } from '../blas/openblas';
import { accumulateMoments } from '../linalg/moments';
import { shrunkCovariance, type Shrinkage } from '../linalg/ledoit-wolf';
import { symmetricEigen, type SymmetricEigen } from '../linalg/symmetric-eigen';
import { topEigen } from '../linalg/top-eigen';
import { type EncodedArray, checkHeader, decodeArray, encodeArray } from '../serialization';

export interface GaussianDetectorOptions {
  /** Covariance shrinkage toward μ·I: Ledoit–Wolf (default), none, or a fixed intensity in [0, 1]. */
  shrinkage?: Shrinkage;
  /**
   * 'full': exact Mahalanobis with the whole (shrunk) covariance. A number k: top-k principal
   * directions plus an isotropic residual variance. 'auto' (default): full when d ≤ fullRankMaxDim,
   * else low-rank with k = min(128, d-1).
   */
  rank?: 'auto' | 'full' | number;
  fullRankMaxDim?: number;
  /** Rows per covariance-accumulation chunk. */
  chunkRows?: number;
}

export type GaussianPath = 'full' | 'low-rank';

/** The principal directions these options keep at dimension d (d itself on the full path). */
export function resolvedRank(options: GaussianDetectorOptions, d: number): number {
  const rank = options.rank ?? 'auto';
  const fullMax = options.fullRankMaxDim ?? 1024;
  const k =
    rank === 'full'
      ? d
      : rank === 'auto'
        ? d <= fullMax
          ? d
          : Math.min(128, d - 1)
        : Math.min(Math.floor(rank), d);
  if (k < 1) throw new Error(`GaussianDetector: rank must be ≥ 1, got ${rank}`);
  return k;
}

export interface GaussianDetectorJson {
  readonly kind: 'gaussian-mahalanobis';
  readonly formatVersion: 1;
  readonly dim: number;
  readonly path: GaussianPath;
  readonly shrinkage: number;
  readonly mean: EncodedArray;
  /** d×m row-major projection U (see score). */
  readonly projection: EncodedArray;
  readonly projectionCols: number;
  /** +1 (full path) or -1 (low-rank path). */
  readonly projectionSign: 1 | -1;
  /** a in the score; 0 on the full path, 1/σ² on the low-rank path. */
  readonly isotropicPrecision: number;
  /** Eigenvalues kept (descending), for inspection. */
  readonly eigenvalues: number[];
}

/**
 * Squared Mahalanobis distance to a Gaussian fitted on trusted activations of one layer.
 * score(x) = a‖x-μ‖² + sign·‖(x-μ)U‖², which covers both paths with one batched matmul:
 * - full:     U = L, the lower-triangular Cholesky factor of Σ⁻¹ = VΛ⁻¹Vᵀ = LLᵀ, a = 0, sign = +1
 *   →  (x-μ)ᵀΣ⁻¹(x-μ). Baselines fitted before the factor was used carry U = VΛ^-½, which gives the
 *   same score with a dense product; a triangular U is multiplied by OpenBLAS's `strmm`, half the
 *   multiply-adds (bench/pipeline/stage-profile.ts: `score gaussian` at d = 768);
 * - low-rank: U = V_k·diag(√(1/σ² − 1/λᵢ)), a = 1/σ², sign = −1  →  Σᵢ pᵢ²/λᵢ + (‖x-μ‖² − Σᵢ pᵢ²)/σ²,
 *   where pᵢ are projections on the top-k directions and σ² the mean variance outside them.
 * Whitening is precomputed at fit, so scoring is one (n×d)·(d×m) matmul plus row sums.
 */
export class GaussianDetector {
  private state: FittedGaussian | undefined;

  constructor(private readonly options: GaussianDetectorOptions = {}) {}

  get fitted(): boolean {
    return this.state !== undefined;
  }

  get dim(): number {
    return this.require().dim;
  }

  get path(): GaussianPath {
    return this.require().path;
  }

  get shrinkage(): number {
    return this.require().shrinkage;
  }

  get eigenvalues(): Float64Array {
    return this.require().eigenvalues;
  }

  fit(reference: Matrix): this {
    const d = reference.cols;
    const moments = accumulateMoments(reference, this.options.chunkRows);
    const shrunk = shrunkCovariance(moments, this.options.shrinkage ?? 'ledoit-wolf');
    const fullMax = this.options.fullRankMaxDim ?? 1024;
    const k = resolvedRank(this.options, d);
    const eigen: SymmetricEigen =
      k < d && d > fullMax ? topEigen(shrunk.covariance, d, k) : symmetricEigen(shrunk.covariance, d);
    this.replace(buildState(moments.mean, eigen, k, d, shrunk.covariance, shrunk.shrinkage));
    return this;
  }

  /** Squared Mahalanobis distances of the rows of batch. */
  score(batch: Matrix): Float32Array {
    const state = this.require();
    assertCols(batch, state.dim, 'GaussianDetector.score');
    const triangular = triangularScorer(state);
    if (triangular) return triangular(batch.data, batch.rows);
    const out = tf.tidy(() => this.scoreTensor(tf.tensor2d(batch.data, [batch.rows, batch.cols])));
    const values = out.dataSync() as Float32Array;
    out.dispose();
    return values;
  }

  /** Same as score on a tensor (call inside tf.tidy); lets other detectors chain on the backend. */
  scoreTensor(x: tf.Tensor2D): tf.Tensor1D {
    const state = this.require();
    const triangular = triangularScorer(state);
    // x is read in place, and the scores are in a JS array before the tensor holding them is made.
    if (triangular) return tf.tensor1d(triangular(valuesInPlace(x), x.shape[0]));
    return tf.tidy(() => {
      const centredRows = tf.sub(x, state.mean);
      const projected = tf.matMul(centredRows, state.projection);
      let quadratic: tf.Tensor1D = tf.sum(tf.square(projected), 1);
      if (state.projectionSign < 0) quadratic = tf.neg(quadratic);
      if (state.isotropicPrecision === 0) return quadratic;
      return tf.add(quadratic, tf.mul(tf.sum(tf.square(centredRows), 1), state.isotropicPrecision));
    });
  }

  toJSON(): GaussianDetectorJson {
    const s = this.require();
    return {
      kind: 'gaussian-mahalanobis',
      formatVersion: 1,
      dim: s.dim,
      path: s.path,
      shrinkage: s.shrinkage,
      mean: encodeArray(s.meanValues),
      projection: encodeArray(s.projectionValues),
      projectionCols: s.projectionCols,
      projectionSign: s.projectionSign,
      isotropicPrecision: s.isotropicPrecision,
      eigenvalues: Array.from(s.eigenvalues),
    };
  }

  static fromJSON(json: GaussianDetectorJson): GaussianDetector {
    checkHeader(json, 'gaussian-mahalanobis', 1);
    const detector = new GaussianDetector();
    const meanValues = decodeArray(json.mean, json.dim);
    const projectionValues = decodeArray(json.projection, json.dim * json.projectionCols);
    detector.replace({
      dim: json.dim,
      path: json.path,
      shrinkage: json.shrinkage,
      meanValues,
      projectionValues,
      projectionCols: json.projectionCols,
      projectionSign: json.projectionSign,
      isotropicPrecision: json.isotropicPrecision,
      lowerTriangular:
        json.path === 'full' && isLowerTriangular(projectionValues, json.dim, json.projectionCols),
      eigenvalues: Float64Array.from(json.eigenvalues),
      mean: tf.tensor1d(meanValues),
      projection: tf.tensor2d(projectionValues, [json.dim, json.projectionCols]),
    });
    return detector;
  }

  /** Frees the tensors held by the fitted model. */
  dispose(): void {
    if (!this.state) return;
    this.state.mean.dispose();
    this.state.projection.dispose();
    this.state = undefined;
  }

  private replace(state: FittedGaussian): void {
    this.dispose();
    this.state = state;
  }

  private require(): FittedGaussian {
    if (!this.state) throw new Error('GaussianDetector: call fit() or fromJSON() first');
    return this.state;
  }
}

interface FittedGaussian {
  readonly dim: number;
  readonly path: GaussianPath;
  readonly shrinkage: number;
  readonly meanValues: Float32Array;
  readonly projectionValues: Float32Array;
  readonly projectionCols: number;
  readonly projectionSign: 1 | -1;
  readonly isotropicPrecision: number;
  /** Full path with U = L (Cholesky factor of the precision): scored by `strmm` when OpenBLAS is loaded. */
  readonly lowerTriangular: boolean;
  readonly eigenvalues: Float64Array;
  readonly mean: tf.Tensor1D;
  readonly projection: tf.Tensor2D;
}

function buildState(
  mean: Float64Array,
  eigen: SymmetricEigen,
  k: number,
  d: number,
  covariance: Float64Array,
  shrinkage: number,
): FittedGaussian {
  const lambdaMax = Math.max(eigen.values[0], Number.MIN_VALUE);
  // Clamp so a singular reference (d > n, constant features) still gives finite distances.
  const floor = lambdaMax * 1e-10;
  const lambdas = Float64Array.from(eigen.values.subarray(0, k), (v) => Math.max(v, floor));
  const meanValues = Float32Array.from(mean);
  let projectionValues = new Float32Array(d * k);
  let path: GaussianPath;
  let sign: 1 | -1;
  let isotropicPrecision: number;
  let lowerTriangular = false;
  if (k === d) {
    path = 'full';
    sign = 1;
    isotropicPrecision = 0;
    // W = VΛ^-½ row-major (row r: the r-th coordinate of each scaled eigenvector); where OpenBLAS is
    // loaded, the one place its triangular product runs, L with WWᵀ = VΛ⁻¹Vᵀ = LLᵀ replaces it: the same
    // quadratic form in a matrix with zeros above its diagonal (W is kept when rounding leaves WWᵀ not
    // positive definite).
    const w = new Float64Array(d * d);
    for (let c = 0; c < d; c++) {
      const scale = 1 / Math.sqrt(lambdas[c]);
      for (let r = 0; r < d; r++) w[r * d + c] = eigen.vectors[c * d + r] * scale;
    }
    const factor = openBlas()?.gramCholesky(w, d, d);
    projectionValues = Float32Array.from(factor ?? w);
    lowerTriangular = factor !== undefined;
  } else {
    path = 'low-rank';
    sign = -1;
    let trace = 0;
    for (let i = 0; i < d; i++) trace += covariance[i * d + i];
    let kept = 0;
    for (let c = 0; c < k; c++) kept += eigen.values[c];
    const residualVariance = Math.max((trace - kept) / (d - k), floor);
    isotropicPrecision = 1 / residualVariance;
    for (let c = 0; c < k; c++) {
      const w = Math.sqrt(Math.max(0, isotropicPrecision - 1 / lambdas[c]));
      for (let r = 0; r < d; r++) projectionValues[r * k + c] = eigen.vectors[c * d + r] * w;
    }
  }
  return {
    dim: d,
    path,
    shrinkage,
    meanValues,
    projectionValues,
    projectionCols: k,
    projectionSign: sign,
    isotropicPrecision,
    lowerTriangular,
    eigenvalues: lambdas,
    mean: tf.tensor1d(meanValues),
    projection: tf.tensor2d(projectionValues, [d, k]),
  };
}

function isLowerTriangular(values: Float32Array, rows: number, cols: number): boolean {
  if (rows !== cols) return false;
  for (let r = 0; r < rows; r++)
    for (let c = r + 1; c < cols; c++) if (values[r * cols + c] !== 0) return false;
  return true;
}

/** Rows per triangular product: bounds the scratch array below (256 × d floats). */
const TRIANGULAR_CHUNK_ROWS = 256;

/**
 * Rows centred and multiplied in place, reused from call to call: a fresh 0.8 MB array a layer (256
 * rows at d = 768) per call doubled the compute worker's garbage-collection time in bench:pipeline.
 * Safe to share: scoring is synchronous, one call at a time per thread.
 */
let scratch = new Float32Array(0);

/**
 * ‖(x-μ)L‖² of n row-major rows by OpenBLAS's triangular product, for a lower-triangular full-path U
 * when this thread loaded OpenBLAS; undefined otherwise (the dense product on the backend runs then).
 * Written out rather than on the backend: TensorFlow.js has no triangular product.
 */
function triangularScorer(
  state: FittedGaussian,
): ((rows: Float32Array, n: number) => Float32Array) | undefined {
  const blas = state.lowerTriangular ? openBlas() : undefined;
  if (!blas) return undefined;
  return (rows, n) => {
    const d = state.dim;
    const mean = state.meanValues;
    const out = new Float32Array(n);
    if (scratch.length < TRIANGULAR_CHUNK_ROWS * d) scratch = new Float32Array(TRIANGULAR_CHUNK_ROWS * d);
    for (let start = 0; start < n; start += TRIANGULAR_CHUNK_ROWS) {
      const count = Math.min(TRIANGULAR_CHUNK_ROWS, n - start);
      const centred = scratch.subarray(0, count * d);
      for (let i = 0; i < count; i++) {
        const from = (start + i) * d;
        for (let j = 0; j < d; j++) centred[i * d + j] = rows[from + j] - mean[j];
      }
      blas.strmm(
        CBLAS.rowMajor,
        CBLAS.right,
        CBLAS.lower,
        CBLAS.noTrans,
        CBLAS.nonUnit,
        count,
        d,
        1,
        state.projectionValues,
        d,
        centred,
        d,
      );
      for (let i = 0; i < count; i++) {
        let sum = 0;
        for (let j = i * d; j < (i + 1) * d; j++) sum += centred[j] * centred[j];
        out[start + i] = sum;
      }
    }
    return out;
  };
}
