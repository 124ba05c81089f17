import * as tf from '@tensorflow/tfjs';
import { type Matrix, assertCols } from '../matrix';
import { columnMeans, crossProduct } from '../linalg/moments';
import { positiveDefiniteSolve } from '../linalg/cholesky';
import { topEigen } from '../linalg/top-eigen';
import { eigenvectorColumns } from '../linalg/symmetric-eigen';
import { type EncodedArray, checkHeader, decodeArray, encodeArray } from '../serialization';
import {
  GaussianDetector,
  type GaussianDetectorJson,
  type GaussianDetectorOptions,
} from './gaussian-detector';

export interface LayerPropagationDetectorOptions {
  /** Ridge penalty relative to the mean source variance: λ = ridge·trace(XᵀX)/d_in (default 1e-3). */
  ridge?: number;
  residual?: GaussianDetectorOptions;
  /**
   * Principal directions of the source the map reads (default: all, exact). With rank k < d_in the
   * ridge map goes from the source's coordinates in its top-k principal directions (λ relative to
   * their mean variance), so scoring costs n·d_in·k + n·k·d_out multiply-adds instead of n·d_in·d_out;
   * what the source carries outside them is left to the per-layer detectors.
   */
  rank?: number;
}

export interface LayerPropagationDetectorJson {
  readonly kind: 'layer-propagation';
  readonly formatVersion: 1;
  readonly sourceDim: number;
  readonly targetDim: number;
  readonly sourceMean: EncodedArray;
  readonly targetMean: EncodedArray;
  /** d_in×d_out row-major ridge coefficients (rank×d_out with `sourceBasis`). */
  readonly weights: EncodedArray;
  readonly residual: GaussianDetectorJson;
  /** Low-rank map only: k and the d_in×k orthonormal basis of the source it reads, row-major. */
  readonly rank?: number;
  readonly sourceBasis?: EncodedArray;
}

/**
 * Layer-to-layer consistency: a ridge map from layer l to layer l+1 fitted on trusted activations;
 * the score is the residual y − ŷ standardised by the trusted residual distribution (squared
 * Mahalanobis with Ledoit–Wolf shrinkage). A normal-looking layer l+1 reached by an unusual path
 * from layer l scores high even when each layer alone looks in-distribution.
 */
export class LayerPropagationDetector {
  private state:
    | {
        sourceMean: Float32Array;
        targetMean: Float32Array;
        weights: Float32Array;
        sourceDim: number;
        targetDim: number;
        basis?: { rank: number; values: Float32Array; tensor: tf.Tensor2D };
        tSourceMean: tf.Tensor1D;
        tTargetMean: tf.Tensor1D;
        tWeights: tf.Tensor2D;
      }
    | undefined;
  private residual: GaussianDetector;

  constructor(private readonly options: LayerPropagationDetectorOptions = {}) {
    this.residual = new GaussianDetector(options.residual);
  }

  fit(source: Matrix, target: Matrix): this {
    if (source.rows !== target.rows)
      throw new Error('LayerPropagationDetector.fit: source and target need the same rows');
    const dIn = source.cols;
    const dOut = target.cols;
    const muX = columnMeans(source);
    const muY = columnMeans(target);
    const xtx = crossProduct(source, muX, source, muX);
    const xty = crossProduct(source, muX, target, muY);
    const rank = Math.floor(this.options.rank ?? dIn);
    if (rank < 1) throw new Error(`LayerPropagationDetector: rank must be ≥ 1, got ${rank}`);
    // Exact: the normal equations in the source's own coordinates; low-rank: in its top-k directions.
    const reduced = rank < dIn ? projectNormalEquations(xtx, xty, dIn, dOut, rank) : undefined;
    const [gram, cross, k] = reduced ? [reduced.gram, reduced.cross, rank] : [xtx, xty, dIn];
    let trace = 0;
    for (let i = 0; i < k; i++) trace += gram[i * k + i];
    const lambda = (this.options.ridge ?? 1e-3) * (trace / k);
    for (let i = 0; i < k; i++) gram[i * k + i] += lambda;
    const weights = Float32Array.from(positiveDefiniteSolve(gram, k, cross, dOut));
    this.set(dIn, dOut, Float32Array.from(muX), Float32Array.from(muY), weights, reduced?.basis);
    const residuals = this.residuals(source, target);
    this.residual.fit(residuals);
    return this;
  }

  score(source: Matrix, target: Matrix): Float32Array {
    const out = tf.tidy(() => this.residual.scoreTensor(this.residualTensor(source, target)));
    const values = out.dataSync() as Float32Array;
    out.dispose();
    return values;
  }

  toJSON(): LayerPropagationDetectorJson {
    const s = this.require();
    return {
      kind: 'layer-propagation',
      formatVersion: 1,
      sourceDim: s.sourceDim,
      targetDim: s.targetDim,
      sourceMean: encodeArray(s.sourceMean),
      targetMean: encodeArray(s.targetMean),
      weights: encodeArray(s.weights),
      residual: this.residual.toJSON(),
      ...(s.basis ? { rank: s.basis.rank, sourceBasis: encodeArray(s.basis.values) } : {}),
    };
  }

  static fromJSON(json: LayerPropagationDetectorJson): LayerPropagationDetector {
    checkHeader(json, 'layer-propagation', 1);
    const detector = new LayerPropagationDetector();
    const basis =
      json.rank !== undefined && json.sourceBasis
        ? decodeArray(json.sourceBasis, json.sourceDim * json.rank)
        : undefined;
    detector.set(
      json.sourceDim,
      json.targetDim,
      decodeArray(json.sourceMean, json.sourceDim),
      decodeArray(json.targetMean, json.targetDim),
      decodeArray(json.weights, (basis ? json.rank! : json.sourceDim) * json.targetDim),
      basis,
    );
    detector.residual = GaussianDetector.fromJSON(json.residual);
    return detector;
  }

  dispose(): void {
    this.disposeState();
    this.state = undefined;
    this.residual.dispose();
  }

  private residuals(source: Matrix, target: Matrix): Matrix {
    const out = tf.tidy(() => this.residualTensor(source, target));
    const data = out.dataSync() as Float32Array;
    out.dispose();
    return { rows: source.rows, cols: target.cols, data };
  }

  private residualTensor(source: Matrix, target: Matrix): tf.Tensor2D {
    const s = this.require();
    assertCols(source, s.sourceDim, 'LayerPropagationDetector source');
    assertCols(target, s.targetDim, 'LayerPropagationDetector target');
    if (source.rows !== target.rows)
      throw new Error('LayerPropagationDetector: source and target need the same rows');
    return tf.tidy(() => {
      const centred = tf.sub(tf.tensor2d(source.data, [source.rows, source.cols]), s.tSourceMean);
      const x = s.basis ? tf.matMul(centred, s.basis.tensor) : centred;
      const y = tf.sub(tf.tensor2d(target.data, [target.rows, target.cols]), s.tTargetMean);
      return tf.sub(y, tf.matMul(x, s.tWeights));
    });
  }

  private set(
    sourceDim: number,
    targetDim: number,
    sourceMean: Float32Array,
    targetMean: Float32Array,
    weights: Float32Array,
    basis?: Float32Array,
  ): void {
    this.disposeState();
    const rank = basis ? basis.length / sourceDim : sourceDim;
    this.state = {
      sourceDim,
      targetDim,
      sourceMean,
      targetMean,
      weights,
      basis: basis ? { rank, values: basis, tensor: tf.tensor2d(basis, [sourceDim, rank]) } : undefined,
      tSourceMean: tf.tensor1d(sourceMean),
      tTargetMean: tf.tensor1d(targetMean),
      tWeights: tf.tensor2d(weights, [rank, targetDim]),
    };
  }

  private disposeState(): void {
    const s = this.state;
    if (s) [s.tSourceMean, s.tTargetMean, s.tWeights, s.basis?.tensor].forEach((t) => t?.dispose());
  }

  private require() {
    if (!this.state) throw new Error('LayerPropagationDetector: call fit() or fromJSON() first');
    return this.state;
  }
}

/**
 * The ridge normal equations in the source's top-`rank` principal directions B (from XᵀX, centred):
 * BᵀXᵀXB (rank×rank) and BᵀXᵀY (rank×d_out), with B as a d_in×rank row-major basis.
 */
function projectNormalEquations(
  xtx: Float64Array,
  xty: Float64Array,
  dIn: number,
  dOut: number,
  rank: number,
): { gram: Float64Array; cross: Float64Array; basis: Float32Array } {
  // eigen.vectors holds one eigenvector per row (length dIn); the basis has them as columns.
  const eigen = topEigen(xtx, dIn, rank);
  const basis = eigenvectorColumns(eigen, rank);
  const gram = new Float64Array(rank * rank);
  const cross = new Float64Array(rank * dOut);
  const column = new Float64Array(dIn);
  for (let a = 0; a < rank; a++) {
    // column = XᵀX b_a, then gram[a][·] = b_·ᵀ column; cross[a][·] = b_aᵀ XᵀY.
    column.fill(0);
    for (let i = 0; i < dIn; i++) {
      const bi = eigen.vectors[a * dIn + i];
      if (bi === 0) continue;
      for (let j = 0; j < dIn; j++) column[j] += xtx[i * dIn + j] * bi;
      for (let o = 0; o < dOut; o++) cross[a * dOut + o] += bi * xty[i * dOut + o];
    }
    for (let b = 0; b < rank; b++) {
      let sum = 0;
      for (let j = 0; j < dIn; j++) sum += eigen.vectors[b * dIn + j] * column[j];
      gram[b * rank + a] = sum;
    }
  }
  return { gram, cross, basis };
}
