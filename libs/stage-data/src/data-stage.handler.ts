import { decodeVectors, type ArtifactRef, type DatasetBatch } from '@damon/contracts';
import { matrix } from '@damon/detectors';
import {
  assertBatchSize,
  type DetectorState,
  type MonitorSettingsValues,
  type ScoringOutcome,
  type ShapePart,
  type StageHandler,
} from '@damon/monitor-kit';
import { batchTests } from './data-batch-tests';
import { type FittedDataset, type PreparedDataset } from './data-detectors';
import { fitDataset } from './data-fitting';
import { scoreSamples } from './data-sample-scores';
import { disposeDataset, loadDataset } from './data-state';

export { DATA_DETECTORS, type FittedDataset, type PreparedDataset } from './data-detectors';

/**
 * Stage 1. Per batch against the subject's trusted reference: embedding drift (MMD, permutation
 * p-value), per-feature metadata drift (two-sample KS, Benjamini–Hochberg at α), a poisoned
 * sub-population inside the batch (spectral signature: top-direction share of the centred batch,
 * calibrated on random trusted sub-batches), curation bias (acceptance by slice against the
 * reference rates, chi-square), and generator/curator ids never seen while learning. Per sample:
 * Mahalanobis and k-NN distance to the reference and the projection on the batch's spectral
 * direction, fused into the flagged samples that every data alert names. Modules: fitting, state
 * mapping, batch tests, per-sample scores.
 */
export class DataStageHandler implements StageHandler<
  'damon.telemetry.data',
  PreparedDataset,
  FittedDataset
> {
  readonly stage = 'data' as const;
  readonly topic = 'damon.telemetry.data' as const;
  readonly subjectKind = 'dataset' as const;

  subject(event: DatasetBatch): ArtifactRef {
    return event.subject;
  }

  trusted(event: DatasetBatch): boolean {
    return event.trusted;
  }

  prepare(event: DatasetBatch, settings: MonitorSettingsValues): PreparedDataset {
    assertBatchSize(event.samples.length, settings.maxBatchItems, 'samples', 'samples');
    if (!event.embeddings) return { event };
    const decoded = decodeVectors(event.embeddings, 'embeddings');
    return { event, embeddings: matrix(decoded.rows, decoded.cols, decoded.values) };
  }

  items(prepared: PreparedDataset): number {
    return prepared.event.samples.length;
  }

  shape(prepared: PreparedDataset): ShapePart[] {
    return prepared.embeddings
      ? [{ key: 'embeddings', dim: prepared.embeddings.cols, field: 'embeddings.shape' }]
      : [];
  }

  fit(reference: PreparedDataset[], settings: MonitorSettingsValues): Record<string, DetectorState> {
    return fitDataset(reference, settings);
  }

  load(states: Record<string, DetectorState>): FittedDataset {
    return loadDataset(states);
  }

  dispose(fitted: FittedDataset): void {
    disposeDataset(fitted);
  }

  score(prepared: PreparedDataset, fitted: FittedDataset, settings: MonitorSettingsValues): ScoringOutcome {
    const { event, embeddings } = prepared;
    const outcome: ScoringOutcome = { scores: [], alerts: [] };
    const samples = embeddings ? scoreSamples(event, embeddings, fitted, settings) : undefined;
    const flagged = samples && samples.flagged.length > 0 ? samples.flagged : undefined;
    for (const test of batchTests(event, embeddings, fitted, settings)) {
      outcome.scores.push({
        detector: test.detector,
        items: [{ itemId: event.batchId, score: test.score, pValue: test.pValue }],
      });
      if (test.pValue <= settings.alpha || (test.rule && test.score > 0))
        outcome.alerts.push({
          detector: test.detector,
          score: test.score,
          pValue: test.pValue,
          // Embedding drift points at the samples the per-sample scores flag; the others at the batch.
          ...(test.detector === 'mmd' && flagged
            ? {
                flagged: { ids: flagged, count: flagged.length },
                severityEvidence: { flagged: flagged.length, tested: event.samples.length },
              }
            : {}),
          evidence: { batchId: event.batchId, samples: event.samples.length, ...test.evidence() },
        });
    }
    if (samples) {
      outcome.scores.push(...samples.rows);
      outcome.alerts.push(...samples.alerts);
    }
    return outcome;
  }
}
