import * as tf from '@tensorflow/tfjs';
import { type Matrix, assertCols } from '../matrix';
import { accumulateMoments } from '../linalg/moments';
import { shrunkCovariance } from '../linalg/ledoit-wolf';
import { eigenvectorColumns, symmetricEigen } from '../linalg/symmetric-eigen';
import { topEigen } from '../linalg/top-eigen';
import { type EncodedArray, checkHeader, decodeArray, encodeArray } from '../serialization';

export interface PcaResidualDetectorOptions {
  /** Number of principal directions kept, or the fraction of variance they must explain (default 0.9). */
  components?: number;
  fullEigenMaxDim?: number;
}

export interface PcaResidualDetectorJson {
  readonly kind: 'pca-residual';
  readonly formatVersion: 1;
  readonly dim: number;
  readonly components: number;
  readonly mean: EncodedArray;
  /** d×k row-major principal directions. */
  readonly basis: EncodedArray;
  /** Mean variance per dimension outside the subspace (the score's unit). */
  readonly residualVariance: number;
}

/**
 * Reconstruction error outside the top-k principal subspace of trusted data:
 * score(x) = ‖(I − V_kV_kᵀ)(x−μ)‖² / σ², with σ² the mean trusted variance per residual dimension,
 * so a clean vector scores about d−k.
 */
export class PcaResidualDetector {
  private state:
    | {
        dim: number;
        k: number;
        mean: Float32Array;
        basis: Float32Array;
        residualVariance: number;
        tMean: tf.Tensor1D;
        tBasis: tf.Tensor2D;
      }
    | undefined;

  constructor(private readonly options: PcaResidualDetectorOptions = {}) {}

  get components(): number {
    return this.require().k;
  }

  fit(reference: Matrix): this {
    const d = reference.cols;
    const moments = accumulateMoments(reference);
    const { covariance } = shrunkCovariance(moments, 'none');
    const wanted = this.options.components ?? 0.9;
    let trace = 0;
    for (let i = 0; i < d; i++) trace += covariance[i * d + i];
    let eigen;
    let k: number;
    if (wanted >= 1) {
      k = Math.min(Math.floor(wanted), d - 1);
      eigen =
        d > (this.options.fullEigenMaxDim ?? 1024)
          ? topEigen(covariance, d, k)
          : symmetricEigen(covariance, d);
    } else {
      eigen = symmetricEigen(covariance, d);
      k = 1;
      let explained = eigen.values[0];
      while (k < d - 1 && explained < wanted * trace) explained += eigen.values[k++];
    }
    let kept = 0;
    for (let c = 0; c < k; c++) kept += eigen.values[c];
    const residualVariance = Math.max((trace - kept) / (d - k), 1e-12 * Math.max(trace, 1e-300));
    const basis = eigenvectorColumns(eigen, k);
    this.set(d, k, Float32Array.from(moments.mean), basis, residualVariance);
    return this;
  }

  score(batch: Matrix): Float32Array {
    const s = this.require();
    assertCols(batch, s.dim, 'PcaResidualDetector.score');
    const out = tf.tidy(() => {
      const x = tf.sub(tf.tensor2d(batch.data, [batch.rows, batch.cols]), s.tMean);
      const total = tf.sum(tf.square(x), 1);
      const inside = tf.sum(tf.square(tf.matMul(x, s.tBasis)), 1);
      return tf.div(tf.relu(tf.sub(total, inside)), s.residualVariance);
    });
    const values = out.dataSync() as Float32Array;
    out.dispose();
    return values;
  }

  toJSON(): PcaResidualDetectorJson {
    const s = this.require();
    return {
      kind: 'pca-residual',
      formatVersion: 1,
      dim: s.dim,
      components: s.k,
      mean: encodeArray(s.mean),
      basis: encodeArray(s.basis),
      residualVariance: s.residualVariance,
    };
  }

  static fromJSON(json: PcaResidualDetectorJson): PcaResidualDetector {
    checkHeader(json, 'pca-residual', 1);
    const detector = new PcaResidualDetector({ components: json.components });
    detector.set(
      json.dim,
      json.components,
      decodeArray(json.mean, json.dim),
      decodeArray(json.basis, json.dim * json.components),
      json.residualVariance,
    );
    return detector;
  }

  dispose(): void {
    this.state?.tMean.dispose();
    this.state?.tBasis.dispose();
    this.state = undefined;
  }

  private set(
    dim: number,
    k: number,
    mean: Float32Array,
    basis: Float32Array,
    residualVariance: number,
  ): void {
    this.dispose();
    this.state = {
      dim,
      k,
      mean,
      basis,
      residualVariance,
      tMean: tf.tensor1d(mean),
      tBasis: tf.tensor2d(basis, [dim, k]),
    };
  }

  private require() {
    if (!this.state) throw new Error('PcaResidualDetector: call fit() or fromJSON() first');
    return this.state;
  }
}
