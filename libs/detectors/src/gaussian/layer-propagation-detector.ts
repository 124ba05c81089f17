import * as tf from '@tensorflow/tfjs';
import { type Matrix, assertCols } from '../matrix';
import { columnMeans, crossProduct } from '../linalg/moments';
import { cholesky, choleskySolve } from '../linalg/cholesky';
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
}

export interface LayerPropagationDetectorJson {
  readonly kind: 'layer-propagation';
  readonly formatVersion: 1;
  readonly sourceDim: number;
  readonly targetDim: number;
  readonly sourceMean: EncodedArray;
  readonly targetMean: EncodedArray;
  /** d_in×d_out row-major ridge coefficients. */
  readonly weights: EncodedArray;
  readonly residual: GaussianDetectorJson;
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
    let trace = 0;
    for (let i = 0; i < dIn; i++) trace += xtx[i * dIn + i];
    const lambda = (this.options.ridge ?? 1e-3) * (trace / dIn);
    for (let i = 0; i < dIn; i++) xtx[i * dIn + i] += lambda;
    const weights = Float32Array.from(choleskySolve(cholesky(xtx, dIn), dIn, xty, dOut));
    this.set(dIn, dOut, Float32Array.from(muX), Float32Array.from(muY), weights);
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
    };
  }

  static fromJSON(json: LayerPropagationDetectorJson): LayerPropagationDetector {
    checkHeader(json, 'layer-propagation', 1);
    const detector = new LayerPropagationDetector();
    detector.set(
      json.sourceDim,
      json.targetDim,
      decodeArray(json.sourceMean, json.sourceDim),
      decodeArray(json.targetMean, json.targetDim),
      decodeArray(json.weights, json.sourceDim * json.targetDim),
    );
    detector.residual = GaussianDetector.fromJSON(json.residual);
    return detector;
  }

  dispose(): void {
    const s = this.state;
    if (s) [s.tSourceMean, s.tTargetMean, s.tWeights].forEach((t) => t.dispose());
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
      const x = tf.sub(tf.tensor2d(source.data, [source.rows, source.cols]), s.tSourceMean);
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
  ): void {
    const s = this.state;
    if (s) [s.tSourceMean, s.tTargetMean, s.tWeights].forEach((t) => t.dispose());
    this.state = {
      sourceDim,
      targetDim,
      sourceMean,
      targetMean,
      weights,
      tSourceMean: tf.tensor1d(sourceMean),
      tTargetMean: tf.tensor1d(targetMean),
      tWeights: tf.tensor2d(weights, [sourceDim, targetDim]),
    };
  }

  private require() {
    if (!this.state) throw new Error('LayerPropagationDetector: call fit() or fromJSON() first');
    return this.state;
  }
}
