import { decodeVectors, type ActivationBatch, type ArtifactRef } from '@damon/contracts';
import { isAdaptiveFusion, matrix, type GaussianDetectorOptions, type Matrix } from '@damon/detectors';
import {
  RejectedInputError,
  UNAVAILABLE_STATE_KEY,
  assertBatchSize,
  type AlertDraft,
  type DetectorState,
  type HandlerModuleRef,
  type MonitorSettingsValues,
  type ScoringOutcome,
  type ShapePart,
  type StageHandler,
  type StreamState,
} from '@damon/monitor-kit';
import {
  REPRESENTATION_DETECTORS,
  loadComponents,
  type FittedRepresentations,
} from './representation-components';
import { fusedItemScores } from './representation-evidence';
import { componentsSignature, priorEvidence, rememberEvidence } from './representation-fusion-memory';
import { fitLayers, type Unavailable } from './representation-fitting';
import { scoreVerdictProbes } from './verdict-probe-scoring';
import {
  boundPending,
  fromPending,
  matchItems,
  toPending,
  type PendingHalf,
  type PreparedActivations,
} from './representation-pairing';

export { REPRESENTATION_DETECTORS, type FittedRepresentations } from './representation-components';

/** Each component's raw scores and item p-values for one batch: the stateless part of its scoring. */
export interface ComponentParts {
  raw: Float32Array[];
  pValues: Float64Array[];
}
export type { PreparedActivations } from './representation-pairing';

/** Framed batches kept while waiting for the other variant, by count and by serialized bytes. */
const MAX_PENDING_PAIRS = 32;
export const MAX_PENDING_BYTES = 4 * 1024 * 1024;

/**
 * Stage 3. Per layer a Gaussian (squared Mahalanobis, Ledoit–Wolf) and a k-nearest-neighbour
 * distance, per consecutive layer pair a ridge propagation residual; each calibrated to p-values on
 * the held-out reference split, fused across layers per item (default: Cauchy combination weighted
 * by the batch's evidence per layer, so the strongest layer is not diluted) and calibrated again.
 * Batches framed as observed/unobserved are also paired by pairId and itemId for the oversight-cue
 * contrast. Modules: pairing (decoding and pending halves), fitting, components (state mapping),
 * evidence.
 */
export class RepresentationStageHandler implements StageHandler<
  'damon.telemetry.repr',
  PreparedActivations,
  FittedRepresentations
> {
  readonly stage = 'representations' as const;
  readonly topic = 'damon.telemetry.repr' as const;
  readonly subjectKind = 'model' as const;
  /** Compute workers build their own copy with the same Gaussian options. */
  readonly worker: HandlerModuleRef;
  /** Scores with the deployed verdict probes too (see verdict-probe-scoring.ts). */
  readonly supervised = true;

  constructor(private readonly gaussianOptions: GaussianDetectorOptions = {}) {
    this.worker = {
      module: '@damon/stage-representations',
      exportName: 'RepresentationStageHandler',
      args: [gaussianOptions],
    };
  }

  subject(event: ActivationBatch): ArtifactRef {
    return event.subject;
  }

  trusted(event: ActivationBatch): boolean {
    return event.trusted;
  }

  /**
   * The stream state holds framed batches waiting for their pair, and the recent batches' fusion
   * evidence that adaptive weights pool (representation-fusion-memory.ts): an unframed batch under a
   * fixed-weight fusion is the only one that neither reads nor writes it.
   */
  independent(event: ActivationBatch, settings: MonitorSettingsValues): boolean {
    return event.framing === undefined && !isAdaptiveFusion(settings.fusion);
  }

  /**
   * Under an adaptive fusion an unframed batch scores in two steps: its component scores and p-values
   * (all the arithmetic, stateless: `scoreParts`), then the pooled-evidence fusion, alerts and probes
   * (light, in order). So a subject's batches still use every compute worker.
   */
  partial(event: ActivationBatch, settings: MonitorSettingsValues): boolean {
    return event.framing === undefined && isAdaptiveFusion(settings.fusion);
  }

  scoreParts(prepared: PreparedActivations, fitted: FittedRepresentations): ComponentParts {
    this.checkLayers(prepared, fitted);
    const scored = fitted.components.map((c) => {
      if (c.scoreCalibrated) return c.scoreCalibrated(prepared.layers);
      const scores = c.score(prepared.layers);
      return { scores, pValues: c.calibrator.tailPValues(scores) };
    });
    return { raw: scored.map((s) => s.scores), pValues: scored.map((s) => s.pValues) };
  }

  prepare(event: ActivationBatch, settings: MonitorSettingsValues): PreparedActivations {
    assertBatchSize(event.items.length, settings.maxBatchItems, 'items', 'items');
    const layers = new Map<string, Matrix>();
    event.layers.forEach((layer, i) => {
      // In place where it can be (decodeVectors' view): the detectors only read the layers, alert
      // vectors are copied out (withVectors), and the prepared event is dropped after scoring.
      const decoded = decodeVectors(layer.vectors, `layers.${i}.vectors`, true);
      layers.set(layer.name, matrix(decoded.rows, decoded.cols, decoded.values));
    });
    return { event, itemIds: event.items.map((item) => item.itemId), layers };
  }

  items(prepared: PreparedActivations): number {
    return prepared.itemIds.length;
  }

  shape(prepared: PreparedActivations): ShapePart[] {
    return prepared.event.layers.map((layer, i) => ({
      key: layer.name,
      dim: layer.dim,
      field: `layers.${i}`,
    }));
  }

  fit(reference: PreparedActivations[], settings: MonitorSettingsValues): Record<string, DetectorState> {
    const unavailable: Unavailable = {};
    const states = fitLayers(reference, settings, this.gaussianOptions, unavailable);
    return { ...states, [UNAVAILABLE_STATE_KEY]: { unavailable } };
  }

  load(states: Record<string, DetectorState>): FittedRepresentations {
    return loadComponents(states);
  }

  score(
    prepared: PreparedActivations,
    fitted: FittedRepresentations,
    settings: MonitorSettingsValues,
    stream: StreamState,
    supervised: Record<string, DetectorState> = {},
    parts?: unknown,
  ): ScoringOutcome {
    this.checkLayers(prepared, fitted);
    const outcome: ScoringOutcome = { scores: [], alerts: [] };
    let flagged: string[] = [];
    if (fitted.components.length > 0 && fitted.fused) {
      const scored = (parts as ComponentParts | undefined) ?? this.scoreParts(prepared, fitted);
      const signature = componentsSignature(fitted.components);
      // Pooled only while the events are sequential (`independent` says they are not).
      const adaptive = isAdaptiveFusion(fitted.fused.method) && isAdaptiveFusion(settings.fusion);
      const result = fusedItemScores({
        components: fitted.components,
        raw: scored.raw,
        pValues: scored.pValues,
        itemIds: prepared.itemIds,
        fused: fitted.fused,
        settings,
        batchId: prepared.event.batchId,
        detector: REPRESENTATION_DETECTORS.fused,
        prior: adaptive ? priorEvidence(stream, signature) : undefined,
      });
      if (adaptive) rememberEvidence(stream, signature, result.evidence);
      outcome.scores.push(...result.rows);
      outcome.alerts.push(...this.withVectors(result.alerts, prepared));
      flagged = result.alerts.flatMap((a) => (a.itemKey === undefined ? [] : [a.itemKey]));
    }
    // The probe learned deceptive against benign among flagged items only: it scores that population
    // (elsewhere its probabilities mean nothing), as evidence beside the alerts, never in their place.
    if (Object.keys(supervised).length > 0 && flagged.length > 0) {
      const probed = scoreVerdictProbes(
        prepared.layers,
        prepared.itemIds,
        flagged,
        supervised,
        prepared.event.batchId,
      );
      outcome.scores.push(...probed.rows);
      outcome.alerts.push(...probed.alerts);
    }
    if (prepared.event.framing && fitted.contrast.length > 0 && fitted.contrastFused)
      this.scoreContrast(prepared, fitted, settings, stream, outcome);
    return outcome;
  }

  private checkLayers(prepared: PreparedActivations, fitted: FittedRepresentations): void {
    const missing = fitted.layers.filter((name) => !prepared.layers.has(name));
    if (missing.length > 0) {
      throw new RejectedInputError(
        'inconsistent',
        'layers',
        `missing layer(s) ${missing.join(', ')} that the subject's baseline was fitted on`,
      );
    }
  }

  /** The flagged item's row of every layer, kept with the alert for the verdict probe's training set. */
  private withVectors(alerts: AlertDraft[], prepared: PreparedActivations): AlertDraft[] {
    const rowOf = new Map(prepared.itemIds.map((id, i) => [id, i]));
    return alerts.map((alert) => {
      const row = alert.itemKey === undefined ? undefined : rowOf.get(alert.itemKey);
      if (row === undefined) return alert;
      const vectors = [...prepared.layers].map(([layer, m]) => ({
        layer,
        itemId: alert.itemKey!,
        // A copy: a view would carry the whole batch's buffer back from the worker.
        values: m.data.slice(row * m.cols, (row + 1) * m.cols),
      }));
      return { ...alert, vectors };
    });
  }

  dispose(fitted: FittedRepresentations): void {
    for (const c of [...fitted.components, ...fitted.contrast]) c.dispose();
  }

  private scoreContrast(
    prepared: PreparedActivations,
    fitted: FittedRepresentations,
    settings: MonitorSettingsValues,
    stream: StreamState,
    outcome: ScoringOutcome,
  ): void {
    const framing = prepared.event.framing!;
    const pending = (stream.pendingPairs ?? {}) as Record<string, PendingHalf>;
    const partner = pending[framing.pairId];
    if (!partner || partner.variant === framing.variant) {
      delete pending[framing.pairId];
      pending[framing.pairId] = toPending(prepared.event);
      boundPending(pending, { maxPairs: MAX_PENDING_PAIRS, maxBytes: MAX_PENDING_BYTES });
      stream.pendingPairs = pending;
      return;
    }
    delete pending[framing.pairId];
    stream.pendingPairs = pending;
    const other = fromPending(partner);
    const [observed, unobserved] = framing.variant === 'observed' ? [prepared, other] : [other, prepared];
    const matched = matchItems(observed, unobserved);
    if (matched.itemIds.length === 0) return;
    const result = fusedItemScores({
      components: fitted.contrast,
      raw: fitted.contrast.map((c) => c.score(matched.observed, matched.unobserved)),
      itemIds: matched.itemIds,
      fused: fitted.contrastFused!,
      settings,
      batchId: prepared.event.batchId,
      detector: REPRESENTATION_DETECTORS.contrast,
      relatedInputs: [{ eventId: partner.eventId, occurredAt: partner.occurredAt }],
    });
    // Per-layer contrast rows would repeat the per-layer ones under another name: only the fused row.
    outcome.scores.push(...result.rows.slice(-1));
    outcome.alerts.push(...result.alerts);
  }
}
