import * as tf from '@tensorflow/tfjs';
import { type Matrix, assertCols, pickRows, spreadIndexes } from '../matrix';
import { type EncodedArray, checkHeader, decodeArray, encodeArray } from '../serialization';

export interface KnnDetectorOptions {
  /** Neighbours: the score is the distance to the k-th nearest reference row (default 5). */
  k?: number;
  /** Reference rows kept (evenly spaced over the fitted ones) to bound memory and scoring cost (default 2048). */
  maxReference?: number;
  /** Query rows per backend matmul (default 256). */
  chunkRows?: number;
}

export interface KnnDetectorJson {
  readonly kind: 'knn-distance';
  readonly formatVersion: 1;
  readonly k: number;
  readonly dim: number;
  readonly rows: number;
  /** Kept reference rows, centred on `mean`, row-major. */
  readonly reference: EncodedArray;
  readonly mean: EncodedArray;
}

/**
 * Euclidean distance to the k-th nearest trusted row (as `sklearn.neighbors.NearestNeighbors`
 * `kneighbors(X)[0][:, k-1]`). Makes no Gaussian assumption, so it sees anomalies in a multi-modal
 * or curved reference that a single Mahalanobis ellipsoid covers. On the backend: squared distances
 * ‖x‖² − 2x·r + ‖r‖² by one matmul per chunk of queries, then top-k. Rows are centred on the
 * reference mean first, which keeps the float32 cancellation in that formula small.
 */
export class KnnDetector {
  private state: FittedKnn | undefined;

  constructor(private readonly options: KnnDetectorOptions = {}) {}

  get k(): number {
    return this.require().k;
  }

  get referenceRows(): number {
    return this.require().rows;
  }

  fit(reference: Matrix): this {
    const k = Math.floor(this.options.k ?? 5);
    if (k < 1) throw new Error(`KnnDetector: k must be ≥ 1, got ${k}`);
    if (reference.rows < k) throw new Error(`KnnDetector: ${reference.rows} reference rows for k = ${k}`);
    const kept = pickRows(
      reference,
      spreadIndexes(
        Array.from({ length: reference.rows }, (_, i) => i),
        this.options.maxReference ?? 2048,
      ),
    );
    const d = kept.cols;
    const mean = new Float32Array(d);
    const sums = new Float64Array(d);
    for (let i = 0; i < kept.rows; i++) for (let j = 0; j < d; j++) sums[j] += kept.data[i * d + j];
    for (let j = 0; j < d; j++) mean[j] = sums[j] / kept.rows;
    const centred = new Float32Array(kept.data.length);
    for (let i = 0; i < kept.rows; i++)
      for (let j = 0; j < d; j++) centred[i * d + j] = kept.data[i * d + j] - mean[j];
    this.replace(build(k, d, kept.rows, centred, mean));
    return this;
  }

  /** Distance of each row of `batch` to its k-th nearest kept reference row. */
  score(batch: Matrix): Float32Array {
    const s = this.require();
    assertCols(batch, s.dim, 'KnnDetector.score');
    const out = new Float32Array(batch.rows);
    const chunk = this.options.chunkRows ?? 256;
    for (let start = 0; start < batch.rows; start += chunk) {
      const rows = Math.min(chunk, batch.rows - start);
      const result = tf.tidy(() => {
        const x = tf.sub(
          tf.tensor2d(batch.data.subarray(start * s.dim, (start + rows) * s.dim), [rows, s.dim]),
          s.mean,
        );
        const squared = tf.sum(tf.square(x), 1, true);
        const distances = tf.relu(tf.add(tf.sub(squared, tf.mul(tf.matMul(x, s.referenceT), 2)), s.norms));
        // top-k of the negated squared distances = the k smallest; the last of them is the k-th.
        const { values } = tf.topk(tf.neg(distances), s.k, true);
        return tf.sqrt(tf.neg(tf.slice(values, [0, s.k - 1], [rows, 1]))).reshape([rows]);
      });
      out.set(result.dataSync(), start);
      result.dispose();
    }
    return out;
  }

  toJSON(): KnnDetectorJson {
    const s = this.require();
    return {
      kind: 'knn-distance',
      formatVersion: 1,
      k: s.k,
      dim: s.dim,
      rows: s.rows,
      reference: encodeArray(s.referenceValues),
      mean: encodeArray(s.meanValues),
    };
  }

  static fromJSON(json: KnnDetectorJson): KnnDetector {
    checkHeader(json, 'knn-distance', 1);
    const detector = new KnnDetector();
    detector.replace(
      build(
        json.k,
        json.dim,
        json.rows,
        decodeArray(json.reference, json.rows * json.dim),
        decodeArray(json.mean, json.dim),
      ),
    );
    return detector;
  }

  dispose(): void {
    if (!this.state) return;
    tf.dispose([this.state.mean, this.state.referenceT, this.state.norms]);
    this.state = undefined;
  }

  private replace(state: FittedKnn): void {
    this.dispose();
    this.state = state;
  }

  private require(): FittedKnn {
    if (!this.state) throw new Error('KnnDetector: call fit() or fromJSON() first');
    return this.state;
  }
}

interface FittedKnn {
  readonly k: number;
  readonly dim: number;
  readonly rows: number;
  readonly referenceValues: Float32Array;
  readonly meanValues: Float32Array;
  readonly mean: tf.Tensor1D;
  /** d×m, transposed once at fit (the WASM backend's transposed matmul is slow). */
  readonly referenceT: tf.Tensor2D;
  /** 1×m squared norms of the kept rows. */
  readonly norms: tf.Tensor2D;
}

function build(k: number, dim: number, rows: number, centred: Float32Array, mean: Float32Array): FittedKnn {
  return tf.tidy(() => {
    const reference = tf.tensor2d(centred, [rows, dim]);
    return {
      k,
      dim,
      rows,
      referenceValues: centred,
      meanValues: mean,
      mean: tf.keep(tf.tensor1d(mean)),
      referenceT: tf.keep(tf.transpose(reference)),
      norms: tf.keep(tf.reshape<tf.Rank.R2>(tf.sum(tf.square(reference), 1), [1, rows])),
    };
  });
}
