import type { ArtifactRef, DatasetBatch } from '@damon/contracts';
import { encodeVectors } from '@damon/contracts';
import {
  ConformalCalibrator,
  GaussianDetector,
  KnnDetector,
  median,
  medianHeuristic,
  pickRows,
  spectralNullShares,
  spreadIndexes,
  stackRows,
} from '@damon/detectors';
import {
  detectorEnabled,
  splitIndexes,
  type DetectorState,
  type MonitorSettingsValues,
} from '@damon/monitor-kit';
import { DATA_DETECTORS, STATUS_KEY, type PreparedDataset } from './data-detectors';

/** Random sub-batches drawn to calibrate the spectral statistic. */
const SPECTRAL_NULL_DRAWS = 200;
const KNN_NEIGHBOURS = 5;
/** Feature values a feature needs in the reference before it is tested. */
const MIN_FEATURE_VALUES = 8;

/** Fits every enabled detector; what cannot be fitted is named with its reason under STATUS_KEY. */
export function fitDataset(
  reference: PreparedDataset[],
  settings: MonitorSettingsValues,
): Record<string, DetectorState> {
  const states: Record<string, DetectorState> = {};
  const unavailable: Record<string, string> = {};
  const on = (name: string) => detectorEnabled(settings, name);
  const embedded = reference.flatMap((r) => (r.embeddings ? [r.embeddings] : []));
  const embeddingDetectors = [
    DATA_DETECTORS.mmd,
    DATA_DETECTORS.spectral,
    DATA_DETECTORS.sampleMahalanobis,
    DATA_DETECTORS.sampleKnn,
  ];
  if (embedded.length === 0) {
    for (const name of embeddingDetectors.filter(on))
      unavailable[name] = 'the reference carried no embeddings';
  } else {
    const all = stackRows(embedded);
    const { fit, calibration } = splitIndexes(all.rows, settings.calibrationFraction);
    if (on(DATA_DETECTORS.mmd)) {
      const sample = pickRows(all, spreadIndexes(fit, settings.windowSize));
      states[DATA_DETECTORS.mmd] = {
        reference: encodeVectors(sample.data, [sample.rows, sample.cols]),
        bandwidth: medianHeuristic(sample),
      };
    }
    if (on(DATA_DETECTORS.spectral)) {
      // Calibrated at the usual batch size, or at half the reference when it came as one batch.
      const batchSize = Math.min(Math.round(median(embedded.map((m) => m.rows))), Math.floor(all.rows / 2));
      if (batchSize < 4) {
        unavailable[DATA_DETECTORS.spectral] =
          `${all.rows} reference rows: sub-batches of at least 4 rows need at least 8`;
      } else {
        const scores = spectralNullShares(all, batchSize, SPECTRAL_NULL_DRAWS, all.rows);
        states[DATA_DETECTORS.spectral] = {
          calibration: new ConformalCalibrator().fit(scores).toJSON(),
          batchSize,
        };
      }
    }
    const fitRows = pickRows(all, fit);
    const calRows = pickRows(all, calibration);
    if (on(DATA_DETECTORS.sampleMahalanobis)) {
      if (calRows.rows < 2 || fitRows.rows < 2) {
        unavailable[DATA_DETECTORS.sampleMahalanobis] =
          `${all.rows} reference rows are too few to fit and calibrate`;
      } else {
        const detector = new GaussianDetector().fit(fitRows);
        states[DATA_DETECTORS.sampleMahalanobis] = {
          detector: detector.toJSON(),
          calibration: new ConformalCalibrator().fit(detector.score(calRows)).toJSON(),
        };
        detector.dispose();
      }
    }
    if (on(DATA_DETECTORS.sampleKnn)) {
      if (fitRows.rows < KNN_NEIGHBOURS || calRows.rows < 2) {
        unavailable[DATA_DETECTORS.sampleKnn] =
          `${fitRows.rows} fit rows, fewer than k = ${KNN_NEIGHBOURS} neighbours (or no calibration rows)`;
      } else {
        const detector = new KnnDetector({ k: KNN_NEIGHBOURS, maxReference: settings.windowSize }).fit(
          fitRows,
        );
        states[DATA_DETECTORS.sampleKnn] = {
          detector: detector.toJSON(),
          calibration: new ConformalCalibrator().fit(detector.score(calRows)).toJSON(),
        };
        detector.dispose();
      }
    }
  }
  if (on(DATA_DETECTORS.featureKs)) {
    const values = new Map<string, number[]>();
    for (const r of reference)
      for (const s of r.event.samples)
        for (const [name, v] of Object.entries(s.features ?? {}))
          (values.get(name) ?? values.set(name, []).get(name)!).push(v);
    const features = Object.fromEntries(
      [...values]
        .filter(([, v]) => v.length >= MIN_FEATURE_VALUES)
        .map(([name, v]) => [
          name,
          spreadIndexes(
            v.map((_, i) => i),
            settings.windowSize,
          ).map((i) => v[i]),
        ]),
    );
    if (Object.keys(features).length > 0) states[DATA_DETECTORS.featureKs] = { features };
    else
      unavailable[DATA_DETECTORS.featureKs] = `no feature with ${MIN_FEATURE_VALUES} values in the reference`;
  }
  if (on(DATA_DETECTORS.curation)) {
    const counts = new Map<string, { accepted: number; total: number }>();
    for (const r of reference)
      for (const s of r.event.samples) {
        if (s.accepted === undefined) continue;
        const c = counts.get(s.slice ?? '') ?? { accepted: 0, total: 0 };
        c.accepted += s.accepted ? 1 : 0;
        c.total += 1;
        counts.set(s.slice ?? '', c);
      }
    // Smoothed so a slice always or never accepted in the reference keeps a finite expectation.
    if (counts.size > 0)
      states[DATA_DETECTORS.curation] = {
        rates: Object.fromEntries(
          [...counts].map(([slice, c]) => [slice, (c.accepted + 0.5) / (c.total + 1)]),
        ),
      };
    else unavailable[DATA_DETECTORS.curation] = 'no reference sample said whether it was accepted';
  }
  if (on(DATA_DETECTORS.provenance)) {
    const ids = (pickId: (e: DatasetBatch) => ArtifactRef | undefined) => [
      ...new Set(
        reference.flatMap((r) => {
          const ref = pickId(r.event);
          return ref ? [`${ref.kind}/${ref.id}`] : [];
        }),
      ),
    ];
    // Reference batches naming each id: how often the trusted phase itself met a new id sets the
    // p-value of an unknown one (conformal, see batchTests).
    const counts = (pickId: (e: DatasetBatch) => ArtifactRef | undefined) => {
      const out: Record<string, number> = {};
      for (const r of reference) {
        const ref = pickId(r.event);
        if (ref) out[`${ref.kind}/${ref.id}`] = (out[`${ref.kind}/${ref.id}`] ?? 0) + 1;
      }
      return out;
    };
    states[DATA_DETECTORS.provenance] = {
      generators: ids((e) => e.generator),
      curators: ids((e) => e.curator),
      generatorBatches: counts((e) => e.generator),
      curatorBatches: counts((e) => e.curator),
    };
  }
  states[STATUS_KEY] = { unavailable };
  return states;
}
