import { decodeVectors, type Vectors } from '@damon/contracts';
import {
  ConformalCalibrator,
  GaussianDetector,
  KnnDetector,
  matrix,
  type ConformalCalibratorJson,
  type GaussianDetectorJson,
  type KnnDetectorJson,
} from '@damon/detectors';
import type { DetectorState } from '@damon/monitor-kit';
import { DATA_DETECTORS, type FittedDataset } from './data-detectors';

/** Stored detector states back to the fitted detectors held in memory. */
export function loadDataset(states: Record<string, DetectorState>): FittedDataset {
  const fitted: FittedDataset = { features: new Map(), sliceRates: new Map() };
  const mmd = states[DATA_DETECTORS.mmd];
  if (mmd) {
    const decoded = decodeVectors(mmd.reference as Vectors);
    fitted.reference = matrix(decoded.rows, decoded.cols, decoded.values);
    fitted.bandwidth = mmd.bandwidth as number;
  }
  const spectral = states[DATA_DETECTORS.spectral];
  if (spectral) {
    const json = spectral.calibration as ConformalCalibratorJson;
    fitted.spectral = {
      calibration: ConformalCalibrator.fromJSON(json),
      scores: json.scores,
      batchSize: spectral.batchSize as number,
    };
  }
  const mahalanobis = states[DATA_DETECTORS.sampleMahalanobis];
  if (mahalanobis)
    fitted.mahalanobis = {
      detector: GaussianDetector.fromJSON(mahalanobis.detector as GaussianDetectorJson),
      calibrator: ConformalCalibrator.fromJSON(mahalanobis.calibration as ConformalCalibratorJson),
    };
  const knn = states[DATA_DETECTORS.sampleKnn];
  if (knn)
    fitted.knn = {
      detector: KnnDetector.fromJSON(knn.detector as KnnDetectorJson),
      calibrator: ConformalCalibrator.fromJSON(knn.calibration as ConformalCalibratorJson),
    };
  for (const [name, values] of Object.entries(
    (states[DATA_DETECTORS.featureKs]?.features ?? {}) as Record<string, number[]>,
  ))
    fitted.features.set(name, Float64Array.from(values));
  for (const [slice, rate] of Object.entries(
    (states[DATA_DETECTORS.curation]?.rates ?? {}) as Record<string, number>,
  ))
    fitted.sliceRates.set(slice, rate);
  const provenance = states[DATA_DETECTORS.provenance];
  if (provenance)
    fitted.known = {
      generators: new Set(provenance.generators as string[]),
      curators: new Set(provenance.curators as string[]),
      generatorBatches: provenance.generatorBatches as Record<string, number> | undefined,
      curatorBatches: provenance.curatorBatches as Record<string, number> | undefined,
    };
  return fitted;
}

export function disposeDataset(fitted: FittedDataset): void {
  fitted.mahalanobis?.detector.dispose();
  fitted.knn?.detector.dispose();
}
