import { LogisticProbe, pickRows, type LogisticProbeJson, type Matrix } from '@damon/detectors';
import { round, type AlertDraft, type DetectorState, type ScoreRows } from '@damon/monitor-kit';

export const VERDICT_PROBE_DETECTOR = 'verdict-probe';

/** What verdict_probes.state holds for a deployed probe (plus its `version`, added when read). */
export interface VerdictProbeState {
  probe: LogisticProbeJson;
  /** Held-out (out-of-fold) probabilities of the benign-verdict rows: the null the p-value is taken against. */
  benignScores: number[];
  /** An item is reported when its probability reaches this (default 0.5). */
  threshold: number;
  cvAuroc: number;
  version?: number;
}

/** Conformal p-value of `score` against benign held-out scores: (1 + #{b ≥ score}) / (n + 1). */
export function benignPValue(score: number, benign: readonly number[]): number {
  let atLeast = 0;
  for (const b of benign) if (b >= score) atLeast += 1;
  return (1 + atLeast) / (benign.length + 1);
}

/**
 * Scores the items `itemIds` of a batch (found in `layers` by `batchItemIds`) with the subject's
 * deployed verdict probes, one per layer. Evidence on its own: one
 * score row per layer, and an alert per item some layer's probe puts at or above its threshold. It
 * never touches the unsupervised detectors' rows or alerts.
 */
export function scoreVerdictProbes(
  layers: Map<string, Matrix>,
  batchItemIds: readonly string[],
  itemIds: readonly string[],
  supervised: Record<string, DetectorState>,
  batchId: string,
): { rows: ScoreRows[]; alerts: AlertDraft[] } {
  const rowOf = new Map(batchItemIds.map((id, i) => [id, i]));
  const picked = itemIds.map((id) => rowOf.get(id));
  if (picked.some((i) => i === undefined)) throw new Error('scoreVerdictProbes: an item is not in the batch');
  const rows: ScoreRows[] = [];
  const perItem = itemIds.map(
    () =>
      [] as {
        layer: string;
        probability: number;
        pValue: number;
        threshold: number;
        cvAuroc: number;
        version?: number;
      }[],
  );
  for (const [layer, raw] of Object.entries(supervised)) {
    const layerRows = layers.get(layer);
    const state = raw as unknown as VerdictProbeState;
    if (!layerRows || layerRows.cols !== state.probe.dim) continue;
    const probe = LogisticProbe.fromJSON(state.probe);
    const probabilities = probe.predictProbability(pickRows(layerRows, picked as number[]));
    const items = itemIds.map((itemId, i) => {
      const pValue = benignPValue(probabilities[i], state.benignScores);
      perItem[i].push({
        layer,
        probability: probabilities[i],
        pValue,
        threshold: state.threshold,
        cvAuroc: state.cvAuroc,
        version: state.version,
      });
      return { itemId, score: probabilities[i], pValue };
    });
    rows.push({ detector: VERDICT_PROBE_DETECTOR, layer, items });
  }
  const alerts: AlertDraft[] = [];
  itemIds.forEach((itemId, i) => {
    const hits = perItem[i].filter((h) => h.probability >= h.threshold);
    if (hits.length === 0) return;
    const top = hits.reduce((a, b) => (b.probability > a.probability ? b : a));
    alerts.push({
      detector: VERDICT_PROBE_DETECTOR,
      score: top.probability,
      pValue: top.pValue,
      itemKey: itemId,
      flagged: { ids: [itemId], count: 1 },
      evidence: {
        itemId,
        batchId,
        layers: perItem[i].map((h) => ({
          layer: h.layer,
          probability: round(h.probability),
          pValue: round(h.pValue),
          cvAuroc: round(h.cvAuroc),
          probeVersion: h.version ?? null,
        })),
      },
    });
  });
  return { rows, alerts };
}
