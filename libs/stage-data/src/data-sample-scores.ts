import {
  benjaminiHochberg,
  fusePValues,
  normalSf,
  scoreHistogram,
  spectralSignature,
  topDirectionShare,
  type Matrix,
} from '@damon/detectors';
import {
  boundedIds,
  round,
  type AlertDraft,
  type MonitorSettingsValues,
  type ScoreRows,
} from '@damon/monitor-kit';
import type { DatasetBatch } from '@damon/contracts';
import { DATA_DETECTORS, type FittedDataset } from './data-detectors';

const TOP = 5;
/** Sample ids listed in an alert's evidence (the alert's flaggedItems holds up to the contract's limit). */
export const MAX_FLAGGED_IN_EVIDENCE = 200;

export interface SampleOutcome {
  rows: ScoreRows[];
  alerts: AlertDraft[];
  /** Samples flagged by the fused per-sample p-values (BH at α), most anomalous first. */
  flagged: string[];
}

/**
 * Per-sample scores of one batch: squared Mahalanobis and k-NN distance to the trusted reference
 * (tail p-values against the held-out reference, so they keep ranking beyond 1/(n+1)), and the
 * robust z of each sample's projection on the batch's top spectral direction (two-sided normal p).
 * Their Cauchy combination per sample, under Benjamini–Hochberg at α over the batch, gives the
 * flagged samples; the batch's smallest adjusted p-value (Simes) is the `sample-outliers` test.
 * The spectral batch test (top-direction share, conformal on trusted sub-batches) names its own
 * flagged samples the same way on its per-sample p-values, and never alerts with none named.
 */
export function scoreSamples(
  event: DatasetBatch,
  embeddings: Matrix,
  fitted: FittedDataset,
  settings: MonitorSettingsValues,
): SampleOutcome {
  const ids = event.samples.map((s) => s.sampleId);
  const n = ids.length;
  const rows: ScoreRows[] = [];
  const alerts: AlertDraft[] = [];
  const sources: { detector: string; scores: ArrayLike<number>; pValues: Float64Array }[] = [];
  for (const [detector, scorer] of [
    [DATA_DETECTORS.sampleMahalanobis, fitted.mahalanobis],
    [DATA_DETECTORS.sampleKnn, fitted.knn],
  ] as const) {
    if (!scorer) continue;
    const scores = scorer.detector.score(embeddings);
    sources.push({ detector, scores, pValues: scorer.calibrator.tailPValues(scores) });
  }
  const signature = n >= 4 ? spectralSignature(embeddings) : undefined;
  if (signature) {
    const pValues = Float64Array.from(signature.robustZ, (z) => Math.min(1, 2 * normalSf(Math.abs(z))));
    sources.push({
      detector: DATA_DETECTORS.sampleSpectral,
      scores: signature.robustZ.map(Math.abs),
      pValues,
    });
  }
  for (const source of sources)
    rows.push({
      detector: source.detector,
      items: ids.map((itemId, i) => ({ itemId, score: source.scores[i], pValue: source.pValues[i] })),
    });
  let flagged: string[] = [];
  if (sources.length > 0) {
    const fused = fusePValues(
      sources.map((s) => s.pValues),
      'cauchy',
    );
    const bh = benjaminiHochberg(Array.from(fused), settings.alpha);
    const order = ids.map((_, i) => i).sort((a, b) => fused[a] - fused[b]);
    flagged = order.filter((i) => bh.rejected[i]).map((i) => ids[i]);
    const simes = Math.min(...bh.adjusted);
    rows.push({
      detector: DATA_DETECTORS.sampleOutliers,
      items: [{ itemId: event.batchId, score: flagged.length, pValue: simes }],
    });
    if (simes <= settings.alpha)
      alerts.push({
        detector: DATA_DETECTORS.sampleOutliers,
        score: flagged.length,
        pValue: simes,
        flagged: { ids: flagged, count: flagged.length },
        // Flagged samples against the α·n chance allows: the correlator's flagged-count term.
        severityEvidence: { flagged: flagged.length, tested: n },
        evidence: {
          batchId: event.batchId,
          samples: n,
          fdr: settings.alpha,
          detectors: sources.map((s) => s.detector),
          flaggedSamples: boundedIds(flagged, MAX_FLAGGED_IN_EVIDENCE).listed,
          flaggedCount: flagged.length,
          notListed: boundedIds(flagged, MAX_FLAGGED_IN_EVIDENCE).notListed,
          topSamples: order.slice(0, TOP).map((i) => ({
            sampleId: ids[i],
            fusedPValue: round(fused[i]),
            ...Object.fromEntries(sources.map((s) => [s.detector, round(s.scores[i])])),
          })),
        },
      });
  }

  if (signature && fitted.spectral) {
    const share = topDirectionShare(embeddings);
    const s = fitted.spectral;
    const pValue = s.calibration.pValue(share);
    rows.push({
      detector: DATA_DETECTORS.spectral,
      items: [{ itemId: event.batchId, score: share, pValue }],
    });
    if (pValue <= settings.alpha) {
      const spectralP = Array.from(signature.robustZ, (z) => Math.min(1, 2 * normalSf(Math.abs(z))));
      const bh = benjaminiHochberg(spectralP, settings.alpha);
      const ranked = ids
        .map((sampleId, i) => ({ sampleId, i, score: signature.scores[i] }))
        .sort((a, b) => b.score - a.score);
      let own = ranked.filter((r) => bh.rejected[r.i] || signature.flagged[r.i] === 1).map((r) => r.sampleId);
      // The batch test fired but no single sample stands out: name the best-ranked one, and say so.
      const rule =
        own.length > 0
          ? 'benjamini-hochberg on per-sample projections'
          : 'top-ranked sample (none passed BH)';
      if (own.length === 0) own = [ranked[0].sampleId];
      alerts.push({
        detector: DATA_DETECTORS.spectral,
        score: share,
        pValue,
        flagged: { ids: own, count: own.length },
        severityEvidence: { flagged: own.length, tested: n },
        evidence: {
          batchId: event.batchId,
          samples: n,
          topDirectionShare: round(share),
          estimatedPoisonedFraction: round(Math.max(signature.estimatedFraction, own.length / n)),
          flagRule: rule,
          topSamples: ranked.slice(0, TOP).map((r) => ({
            sampleId: r.sampleId,
            score: round(r.score),
            flagged: own.includes(r.sampleId),
          })),
          flaggedSamples: boundedIds(own, MAX_FLAGGED_IN_EVIDENCE).listed,
          flaggedCount: own.length,
          notListed: boundedIds(own, MAX_FLAGGED_IN_EVIDENCE).notListed,
          referenceHistogram: {
            ...scoreHistogram(s.scores),
            current: round(share),
            calibratedBatchSize: s.batchSize,
          },
        },
      });
    }
  }
  return { rows, alerts, flagged };
}
