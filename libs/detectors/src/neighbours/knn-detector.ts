import * as tf from '@tensorflow/tfjs';
import { valuesInPlace } from '../backend';
import { type Matrix, assertCols, pickRows, spreadIndexes } from '../matrix';
import { type EncodedArray, checkHeader, decodeArray, encodeArray } from '../serialization';
import { topEigen } from '../linalg/top-eigen';
import { eigenvectorColumns } from '../linalg/symmetric-eigen';

export interface KnnDetectorOptions {
  /** Neighbours: the score is the distance to the k-th nearest reference row (default 5). */
  k?: number;
  /** Reference rows kept (evenly spaced over the fitted ones) to bound memory and scoring cost (default 2048). */
  maxReference?: number;
  /** Query rows per backend matmul (default 256). */
  chunkRows?: number;
  /**
   * Principal directions of the kept rows the cross term is computed in (default: all, exact).
   * With rank < d, ‖x − r‖² = ‖x‖² − 2x·r + ‖r‖² keeps both norms exact and takes x·r in the top-`rank`
   * principal subspace, dropping the inner product of the parts outside it (zero in expectation
   * when what lies outside is isotropic noise; the norms still carry an off-subspace anomaly).
   * Scoring then costs n·d·rank + n·rank·m multiply-adds instead of n·d·m.
   */
  rank?: number;
}

export interface KnnDetectorJson {
  readonly kind: 'knn-distance';
  readonly formatVersion: 1;
  readonly k: number;
  readonly dim: number;
  readonly rows: number;
  /** Kept reference rows, centred on `mean`, row-major; with `basis`, their coordinates in it (rows × rank). */
  readonly reference: EncodedArray;
  readonly mean: EncodedArray;
  /** Low-rank scoring only: the d×rank orthonormal basis, row-major. */
  readonly rank?: number;
  readonly basis?: EncodedArray;
  /** Low-rank scoring only: ‖r‖² of each kept (centred) row in all d dimensions. */
  readonly squaredNorms?: EncodedArray;
}

/**
 * Euclidean distance to the k-th nearest trusted row (as `sklearn.neighbors.NearestNeighbors`
 * `kneighbors(X)[0][:, k-1]`). Makes no Gaussian assumption, so it sees anomalies in a multi-modal
 * or curved reference that a single Mahalanobis ellipsoid covers. Squared distances
 * ‖x‖² − 2x·r + ‖r‖²: the cross term by one matmul per chunk of queries on the backend, then the k-th
 * smallest of each row in one pass (kthSmallestDistances). Rows are centred on the
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
    const rank = Math.floor(this.options.rank ?? d);
    if (rank < 1) throw new Error(`KnnDetector: rank must be ≥ 1, got ${rank}`);
    if (rank >= d) {
      this.replace(build(k, d, kept.rows, centred, mean));
      return this;
    }
    const { basis, coordinates, squaredNorms } = principalCoordinates(centred, kept.rows, d, rank);
    this.replace(build(k, d, kept.rows, coordinates, mean, { rank, basis, squaredNorms }));
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
      const [cross, squared] = tf.tidy((): [tf.Tensor2D, tf.Tensor1D] => {
        const x = tf.sub(
          tf.tensor2d(batch.data.subarray(start * s.dim, (start + rows) * s.dim), [rows, s.dim]),
          s.mean,
        );
        return [
          s.basis ? tf.matMul(tf.matMul(x, s.basis), s.referenceT) : tf.matMul(x, s.referenceT),
          tf.sum(tf.square(x), 1),
        ];
      });
      // Read in place (no copy): nothing below creates a tensor before they are disposed.
      kthSmallestDistances(
        valuesInPlace(cross),
        valuesInPlace(squared),
        s.normValues,
        s.k,
        out.subarray(start, start + rows),
      );
      tf.dispose([cross, squared]);
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
      ...(s.lowRank
        ? {
            rank: s.lowRank.rank,
            basis: encodeArray(s.lowRank.basis),
            squaredNorms: encodeArray(s.lowRank.squaredNorms),
          }
        : {}),
    };
  }

  static fromJSON(json: KnnDetectorJson): KnnDetector {
    checkHeader(json, 'knn-distance', 1);
    const detector = new KnnDetector();
    const lowRank =
      json.rank !== undefined && json.basis && json.squaredNorms
        ? {
            rank: json.rank,
            basis: decodeArray(json.basis, json.dim * json.rank),
            squaredNorms: decodeArray(json.squaredNorms, json.rows),
          }
        : undefined;
    detector.replace(
      build(
        json.k,
        json.dim,
        json.rows,
        decodeArray(json.reference, json.rows * (lowRank?.rank ?? json.dim)),
        decodeArray(json.mean, json.dim),
        lowRank,
      ),
    );
    return detector;
  }

  dispose(): void {
    if (!this.state) return;
    tf.dispose([this.state.mean, this.state.referenceT]);
    this.state.basis?.dispose();
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

interface LowRank {
  readonly rank: number;
  /** d×rank, row-major, orthonormal columns. */
  readonly basis: Float32Array;
  readonly squaredNorms: Float32Array;
}

interface FittedKnn {
  readonly k: number;
  readonly dim: number;
  readonly rows: number;
  /** Centred kept rows (rows×dim), or their coordinates in the basis (rows×rank). */
  readonly referenceValues: Float32Array;
  readonly meanValues: Float32Array;
  readonly lowRank?: LowRank;
  readonly mean: tf.Tensor1D;
  /** d×m (or rank×m), transposed once at fit (the WASM backend's transposed matmul is slow). */
  readonly referenceT: tf.Tensor2D;
  /** Squared norms of the kept rows (in all d dimensions). */
  readonly normValues: Float32Array;
  readonly basis?: tf.Tensor2D;
}

function build(
  k: number,
  dim: number,
  rows: number,
  reference: Float32Array,
  mean: Float32Array,
  lowRank?: LowRank,
): FittedKnn {
  const cols = lowRank?.rank ?? dim;
  let normValues = lowRank?.squaredNorms;
  if (!normValues) {
    normValues = new Float32Array(rows);
    for (let i = 0; i < rows; i++) {
      let sum = 0;
      for (let j = 0; j < cols; j++) sum += reference[i * cols + j] ** 2;
      normValues[i] = sum;
    }
  }
  return {
    k,
    dim,
    rows,
    referenceValues: reference,
    meanValues: mean,
    lowRank,
    mean: tf.tensor1d(mean),
    referenceT: tf.tidy(() => tf.transpose(tf.tensor2d(reference, [rows, cols]))),
    normValues,
    basis: lowRank ? tf.tensor2d(lowRank.basis, [dim, lowRank.rank]) : undefined,
  };
}

/** The top-`rank` principal directions of centred rows, the rows' coordinates in them, and ‖r‖². */
function principalCoordinates(
  centred: Float32Array,
  rows: number,
  dim: number,
  rank: number,
): { basis: Float32Array; coordinates: Float32Array; squaredNorms: Float32Array } {
  const covariance = tf.tidy(() => {
    const x = tf.tensor2d(centred, [rows, dim]);
    return tf.div(tf.matMul(x, x, true, false), rows);
  });
  const eigen = topEigen(Float64Array.from(covariance.dataSync()), dim, rank);
  covariance.dispose();
  const basis = eigenvectorColumns(eigen, rank);
  const coordinatesT = tf.tidy(() =>
    tf.matMul(tf.tensor2d(centred, [rows, dim]), tf.tensor2d(basis, [dim, rank])),
  );
  const coordinates = coordinatesT.dataSync() as Float32Array;
  coordinatesT.dispose();
  const squaredNorms = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    let sum = 0;
    for (let j = 0; j < dim; j++) sum += centred[i * dim + j] ** 2;
    squaredNorms[i] = sum;
  }
  return { basis, coordinates, squaredNorms };
}

/**
 * `out[i]` = the k-th smallest of ‖xᵢ‖² − 2xᵢ·r + ‖r‖² over the kept rows r, square-rooted (clamped at 0
 * against float cancellation). Hand-written: one pass over the distance matrix with a k-slot insertion
 * list, in place of the backend's subtract, add, clamp, negate and top-k passes over it (a 256 × 1,024
 * chunk at d = 768: bench/pipeline/stage-profile.ts's `score knn` went from 5.6 to 4.4 ms a layer).
 */
function kthSmallestDistances(
  cross: Float32Array,
  squared: Float32Array,
  norms: Float32Array,
  k: number,
  out: Float32Array,
): void {
  const m = norms.length;
  const best = new Float64Array(k);
  for (let i = 0; i < out.length; i++) {
    best.fill(Number.POSITIVE_INFINITY);
    let kth = Number.POSITIVE_INFINITY;
    const base = i * m;
    const own = squared[i];
    for (let j = 0; j < m; j++) {
      const distance = own + norms[j] - 2 * cross[base + j];
      if (distance >= kth) continue;
      let slot = k - 1;
      for (; slot > 0 && best[slot - 1] > distance; slot--) best[slot] = best[slot - 1];
      best[slot] = distance;
      kth = best[k - 1];
    }
    out[i] = Math.sqrt(Math.max(0, kth));
  }
}
