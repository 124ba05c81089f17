import * as tf from '@tensorflow/tfjs';
import { type Matrix, assertCols, pickRows } from '../matrix';
import { ConformalCalibrator } from '../calibration/conformal-calibrator';
import { accumulateMoments } from '../linalg/moments';
import { shrunkCovariance, type Shrinkage } from '../linalg/ledoit-wolf';
import { eigenvectorColumns, symmetricEigen } from '../linalg/symmetric-eigen';
import { topEigen } from '../linalg/top-eigen';
import { type EncodedArray, checkHeader, decodeArray, encodeArray } from '../serialization';

export interface QuantumEntropyOptions {
  /** α of the matrix exponential: 0 is Mahalanobis, large α the spectral-signature projection (default 4). */
  alpha?: number;
  shrinkage?: Shrinkage;
  /** Whitened directions kept above this dimension (default: all up to d = 1024, else 128). */
  maxComponents?: number;
}

export interface QuantumEntropyJson {
  readonly kind: 'quantum-entropy';
  readonly formatVersion: 1;
  readonly alpha: number;
  readonly dim: number;
  readonly components: number;
  readonly mean: EncodedArray;
  /** d×m whitening W = V Λ^-½ of the trusted covariance, row-major. */
  readonly whitening: EncodedArray;
}

/** Rows already whitened by a fitted detector (`whiten`): m columns, one per whitened direction. */
export interface WhitenedRows extends Matrix {
  readonly whitened: true;
}

/**
 * Quantum-entropy (QUE) scoring (Dong, Hopkins & Li 2019), with the trusted reference as the clean
 * mean and covariance as in mechanistic-anomaly detection benchmarks: rows are whitened by the
 * trusted Gaussian, z = W(x − μ); the batch's second moment Σ = ZᵀZ/n (identity on clean data) gives
 * U = exp(α(Σ − I)/(‖Σ‖₂ − 1)), and τ(z) = m·zᵀUz / tr U. Directions in which the batch has excess
 * variance (a poisoned or backdoored sub-population) are weighted up smoothly, between Mahalanobis
 * (α = 0) and the top spectral direction (α → ∞), so a spread-out and a concentrated anomaly are both
 * seen. The score depends on the batch: calibrate it by scoring held-out trusted rows under the same
 * batch's U (`scoreRows`).
 */
export class QuantumEntropyDetector {
  private state: FittedQue | undefined;

  constructor(private readonly options: QuantumEntropyOptions = {}) {}

  get alpha(): number {
    return this.require().alpha;
  }

  fit(reference: Matrix): this {
    const d = reference.cols;
    const moments = accumulateMoments(reference);
    const shrunk = shrunkCovariance(moments, this.options.shrinkage ?? 'ledoit-wolf');
    const m = Math.min(d, this.options.maxComponents ?? (d <= 1024 ? d : 128));
    const eigen = m < d ? topEigen(shrunk.covariance, d, m) : symmetricEigen(shrunk.covariance, d);
    const floor = Math.max(eigen.values[0], Number.MIN_VALUE) * 1e-10;
    const whitening = new Float32Array(d * m);
    for (let c = 0; c < m; c++) {
      const w = 1 / Math.sqrt(Math.max(eigen.values[c], floor));
      for (let r = 0; r < d; r++) whitening[r * m + c] = eigen.vectors[c * d + r] * w;
    }
    this.replace(build(this.options.alpha ?? 4, d, m, Float32Array.from(moments.mean), whitening));
    return this;
  }

  /** QUE scores of the rows of `batch`, under the batch's own U. */
  score(batch: Matrix): Float32Array {
    const z = this.whiten(batch);
    return this.scoreWhitened(z, z)[0];
  }

  /** QUE scores of `rows` under the U of `batch` (rows = held-out trusted rows, for calibration). */
  scoreRows(batch: Matrix, rows: Matrix): Float32Array {
    return this.scoreWhitened(this.whiten(batch), this.whiten(rows))[0];
  }

  /**
   * Rows whitened by the trusted Gaussian, z = W(x − μ): every score is computed from these, so a
   * caller that scores the same rows again (the fixed calibration rows, every batch) whitens them once.
   */
  whiten(rows: Matrix): WhitenedRows {
    const s = this.require();
    assertCols(rows, s.dim, 'QuantumEntropyDetector.whiten');
    const out = tf.tidy(() =>
      tf.matMul(tf.sub<tf.Tensor2D>(tf.tensor2d(rows.data, [rows.rows, rows.cols]), s.mean), s.whitening),
    );
    const data = out.dataSync() as Float32Array;
    out.dispose();
    return { rows: rows.rows, cols: s.components, data, whitened: true };
  }

  /**
   * Cross-fitted QUE scores of a batch, each with a p-value calibrated on this batch: the batch is
   * split in halves (even and odd rows); each half is scored under the other half's U, and so are the
   * trusted `calibration` rows, whose scores calibrate that half (tail p-values). A row never helps
   * build the U it is scored under, so a clean row and a calibration row are exchangeable and the
   * false-positive rate holds at α; a sub-population spread over the batch is in both halves, so each
   * half's U still points at it. Batches of fewer than `2 × MIN_HALF` rows get the U of one half of
   * the calibration rows and are calibrated on the other half. The batch is whitened once; pass the
   * calibration rows already whitened (`whiten`) when they are scored again and again.
   */
  scoreCalibrated(
    batch: Matrix,
    calibration: Matrix | WhitenedRows,
  ): { scores: Float32Array; pValues: Float64Array } {
    const z = this.whiten(batch);
    const zCal = 'whitened' in calibration ? calibration : this.whiten(calibration);
    const scores = new Float32Array(z.rows);
    const pValues = new Float64Array(z.rows);
    const all = (m: Matrix) => Array.from({ length: m.rows }, (_, i) => i);
    const [calEven, calOdd] = halves(all(zCal));
    if (z.rows < 2 * MIN_HALF) {
      const basis = pickRows(zCal, calEven);
      const [held, own] = this.scoreWhitened(basis, pickRows(zCal, calOdd), z);
      const calibrator = new ConformalCalibrator().fit(held);
      scores.set(own);
      pValues.set(calibrator.tailPValues(scores));
      return { scores, pValues };
    }
    const [even, odd] = halves(all(z));
    for (const [basisIdx, scoredIdx] of [
      [even, odd],
      [odd, even],
    ]) {
      const basis = pickRows(z, basisIdx);
      const [own, held] = this.scoreWhitened(basis, pickRows(z, scoredIdx), zCal);
      const calibrator = new ConformalCalibrator().fit(held);
      const p = calibrator.tailPValues(own);
      scoredIdx.forEach((row, i) => {
        scores[row] = own[i];
        pValues[row] = p[i];
      });
    }
    return { scores, pValues };
  }

  /** Cross-fitted scores of trusted rows (each half under the other's U): what clean rows score. */
  crossFittedScores(rows: Matrix): Float32Array {
    const z = this.whiten(rows);
    const [even, odd] = halves(Array.from({ length: z.rows }, (_, i) => i));
    const out = new Float32Array(z.rows);
    for (const [basisIdx, scoredIdx] of [
      [even, odd],
      [odd, even],
    ]) {
      const [scored] = this.scoreWhitened(pickRows(z, basisIdx), pickRows(z, scoredIdx));
      scoredIdx.forEach((row, i) => (out[row] = scored[i]));
    }
    return out;
  }

  toJSON(): QuantumEntropyJson {
    const s = this.require();
    return {
      kind: 'quantum-entropy',
      formatVersion: 1,
      alpha: s.alpha,
      dim: s.dim,
      components: s.components,
      mean: encodeArray(s.meanValues),
      whitening: encodeArray(s.whiteningValues),
    };
  }

  static fromJSON(json: QuantumEntropyJson): QuantumEntropyDetector {
    checkHeader(json, 'quantum-entropy', 1);
    const detector = new QuantumEntropyDetector();
    detector.replace(
      build(
        json.alpha,
        json.dim,
        json.components,
        decodeArray(json.mean, json.dim),
        decodeArray(json.whitening, json.dim * json.components),
      ),
    );
    return detector;
  }

  dispose(): void {
    if (!this.state) return;
    tf.dispose([this.state.mean, this.state.whitening]);
    this.state = undefined;
  }

  /**
   * τ(z) of each set of whitened rows (m columns) under the U of the whitened `basis` rows' second
   * moment. U is computed once (an m×m eigendecomposition) for every set scored under it: the batch's
   * own half and the calibration rows share it.
   */
  private scoreWhitened(basis: Matrix, ...rowSets: Matrix[]): Float32Array[] {
    const s = this.require();
    const m = s.components;
    const moment = tf.tidy(() => {
      const z = tf.tensor2d(basis.data, [basis.rows, m]);
      return tf.div(tf.matMul(tf.transpose(z), z), Math.max(basis.rows, 1));
    });
    const eigen = symmetricEigen(Float64Array.from(moment.dataSync()), m);
    moment.dispose();
    const weights = queWeights(eigen.values, s.alpha);
    const rotation = eigenvectorColumns(eigen, m);
    const [tRotation, tWeights] = [tf.tensor2d(rotation, [m, m]), tf.tensor1d(weights)];
    const scored = rowSets.map((rows) => {
      const out = tf.tidy(() => {
        const projected = tf.matMul(tf.tensor2d(rows.data, [rows.rows, m]), tRotation);
        return tf.sum(tf.mul(tf.square(projected), tWeights), 1);
      });
      const values = out.dataSync() as Float32Array;
      out.dispose();
      return values;
    });
    tf.dispose([tRotation, tWeights]);
    return scored;
  }

  private replace(state: FittedQue): void {
    this.dispose();
    this.state = state;
  }

  private require(): FittedQue {
    if (!this.state) throw new Error('QuantumEntropyDetector: call fit() or fromJSON() first');
    return this.state;
  }
}

/** Rows a half-batch needs before its own U is used (below, the calibration rows supply it). */
const MIN_HALF = 8;

function halves(indexes: number[]): [number[], number[]] {
  return [indexes.filter((_, i) => i % 2 === 0), indexes.filter((_, i) => i % 2 === 1)];
}

/**
 * m·exp(α(λⱼ − 1)/(λmax − 1)) / Σ exp(…), computed relative to λmax so the exponent never overflows.
 * With no direction above the isotropic level (λmax ≤ 1) U is flat: Mahalanobis.
 */
export function queWeights(values: Float64Array, alpha: number): Float32Array {
  const m = values.length;
  const top = values[0];
  const spread = top - 1;
  const raw = Float64Array.from(values, (v) => (spread > 1e-9 ? Math.exp((alpha * (v - top)) / spread) : 1));
  const total = raw.reduce((a, b) => a + b, 0);
  return Float32Array.from(raw, (w) => (m * w) / total);
}

interface FittedQue {
  readonly alpha: number;
  readonly dim: number;
  readonly components: number;
  readonly meanValues: Float32Array;
  readonly whiteningValues: Float32Array;
  readonly mean: tf.Tensor1D;
  readonly whitening: tf.Tensor2D;
}

function build(alpha: number, dim: number, components: number, mean: Float32Array, whitening: Float32Array) {
  return {
    alpha,
    dim,
    components,
    meanValues: mean,
    whiteningValues: whitening,
    mean: tf.tensor1d(mean),
    whitening: tf.tensor2d(whitening, [dim, components]),
  } satisfies FittedQue;
}
