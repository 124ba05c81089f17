import type { FusedCalibration, FusionEvidence } from '@damon/detectors';
import {
  boundedIds,
  round,
  type AlertDraft,
  type MonitorSettingsValues,
  type ScoreRows,
} from '@damon/monitor-kit';
import type { Component } from './representation-components';

const TOP = 5;
/** Flagged item ids listed in one alert's evidence; the count beyond is given. */
export const MAX_FLAGGED_LISTED = 200;

export interface FusedItems {
  rows: ScoreRows[];
  alerts: AlertDraft[];
  /** The batch's own fusion evidence, for the stream's pool (see representation-fusion-memory.ts). */
  evidence: FusionEvidence;
}

/**
 * Component scores and p-values, the calibrated fused p-value per item, and one alert per item
 * where it is ≤ α, whose evidence names the layers that made it and every item flagged in the batch.
 */
export function fusedItemScores<S>(input: {
  components: Component<S>[];
  raw: Float32Array[];
  /** Component p-values computed per batch (QUE); by default each component's calibrator gives them. */
  pValues?: Float64Array[];
  itemIds: string[];
  fused: FusedCalibration;
  settings: MonitorSettingsValues;
  batchId: string;
  detector: string;
  relatedInputs?: AlertDraft['relatedInputs'];
  /** Evidence of the stream's earlier batches, pooled into adaptive weights, and how many batches. */
  prior?: { evidence: FusionEvidence; batches: number };
}): FusedItems {
  const { components, raw, itemIds, fused, settings } = input;
  const result = fused.scorePValues(
    input.pValues ?? components.map((c, k) => c.calibrator.tailPValues(raw[k])),
    input.prior?.evidence,
  );
  const { pValues, statistic, pValue: final } = result;
  const rows: ScoreRows[] = components.map((c, k) => ({
    detector: c.detector,
    layer: c.layer,
    items: itemIds.map((itemId, i) => ({ itemId, score: raw[k][i], pValue: pValues[k][i] })),
  }));
  rows.push({
    detector: input.detector,
    items: itemIds.map((itemId, i) => ({ itemId, score: statistic[i], pValue: final[i] })),
  });
  // Calibrated p-values saturate at 1/(n+1): ties are broken by the fused statistic.
  const ranked = itemIds
    .map((itemId, i) => ({ itemId, score: round(statistic[i]), pValue: round(final[i]) }))
    .sort((a, b) => a.pValue - b.pValue || b.score - a.score);
  const flagged = ranked.filter((r) => r.pValue <= settings.alpha);
  const bounded = boundedIds(
    flagged.map((r) => r.itemId),
    MAX_FLAGGED_LISTED,
  );
  const flaggedItems = {
    ids: bounded.listed,
    count: flagged.length,
    notListed: bounded.notListed,
    expectedByChance: round(settings.alpha * itemIds.length),
  };
  const weights = components.map((c, k) => ({
    detector: c.detector,
    layer: c.layer,
    weight: round(result.weights[k], 4),
  }));
  const alerts: AlertDraft[] = [];
  itemIds.forEach((itemId, i) => {
    if (final[i] > settings.alpha) return;
    const byComponent = components
      .map((c, k) => ({ component: c, score: raw[k][i], pValue: pValues[k][i] }))
      .sort((a, b) => a.pValue - b.pValue || b.score - a.score);
    const top = byComponent[0];
    alerts.push({
      detector: input.detector,
      score: statistic[i],
      pValue: final[i],
      itemKey: itemId,
      relatedInputs: input.relatedInputs,
      flagged: { ids: [itemId], count: 1 },
      // The batch's flagged items against the α·n chance allows: the correlator's flagged-count term.
      severityEvidence: { flagged: flagged.length, tested: itemIds.length },
      evidence: {
        itemId,
        batchId: input.batchId,
        fusion: fused.method,
        fusedPValueUncalibrated: round(result.fused[i]),
        fusionWeights: weights.sort((a, b) => b.weight - a.weight).slice(0, TOP),
        // The weights rest on this batch and that many earlier batches of the subject.
        fusionEvidenceBatches: 1 + (input.prior?.batches ?? 0),
        topLayers: byComponent.slice(0, TOP).map((c) => ({
          detector: c.component.detector,
          layer: c.component.layer,
          score: round(c.score),
          pValue: round(c.pValue),
        })),
        referenceHistogram: {
          detector: top.component.detector,
          layer: top.component.layer,
          ...top.component.histogram,
          current: round(top.score),
        },
        topSamples: ranked.slice(0, TOP),
        flaggedInBatch: flagged.length,
        flaggedItems,
        batchItems: itemIds.length,
      },
    });
  });
  return { rows, alerts, evidence: result.evidence };
}
