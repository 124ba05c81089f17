import type { DatasetBatch } from '@damon/contracts';
import type { ConformalCalibrator, GaussianDetector, KnnDetector, Matrix } from '@damon/detectors';

export const DATA_DETECTORS = {
  mmd: 'mmd',
  featureKs: 'feature-ks',
  spectral: 'spectral-signature',
  curation: 'curation-bias',
  provenance: 'unknown-provenance',
  /** Per sample: squared Mahalanobis distance to the reference (Ledoit–Wolf). */
  sampleMahalanobis: 'sample-mahalanobis',
  /** Per sample: distance to the k-th nearest reference sample. */
  sampleKnn: 'sample-knn',
  /** Per sample: robust z of the projection on the batch's top spectral direction. */
  sampleSpectral: 'sample-spectral',
  /** Per batch: samples flagged by the fused per-sample p-values under Benjamini–Hochberg at α. */
  sampleOutliers: 'sample-outliers',
} as const;

/** State key of what could not be fitted and why (read by the kit and the subject status). */
export { UNAVAILABLE_STATE_KEY as STATUS_KEY } from '@damon/monitor-kit';

export interface PreparedDataset {
  event: DatasetBatch;
  embeddings?: Matrix;
}

export interface SampleScorer {
  detector: GaussianDetector | KnnDetector;
  calibrator: ConformalCalibrator;
}

export interface FittedDataset {
  reference?: Matrix;
  bandwidth?: number;
  features: Map<string, Float64Array>;
  spectral?: { calibration: ConformalCalibrator; scores: number[]; batchSize: number };
  sliceRates: Map<string, number>;
  known?: {
    generators: Set<string>;
    curators: Set<string>;
    /** Reference batches naming each id (absent in baselines fitted before it was kept). */
    generatorBatches?: Record<string, number>;
    curatorBatches?: Record<string, number>;
  };
  mahalanobis?: SampleScorer;
  knn?: SampleScorer;
}
