import { decodeVectors, type ActivationBatch, type ArtifactRef, type Vectors } from '@damon/contracts';
import {
  ConformalCalibrator,
  GaussianDetector,
  LayerPropagationDetector,
  OversightContrastDetector,
  fusePValues,
  matrix,
  type ConformalCalibratorJson,
  type FusionMethod,
  type GaussianDetectorJson,
  type GaussianDetectorOptions,
  type LayerPropagationDetectorJson,
  type Matrix,
  type OversightContrastDetectorJson,
} from '@damon/detectors';
import {
  fitFusedCalibrator,
  fusedStatistic,
  round,
  scoreHistogram,
  splitIndexes,
  type ScoreHistogram,
  detectorEnabled,
  type MonitorSettingsValues,
  RejectedInputError,
  assertBatchSize,
  type AlertDraft,
  type DetectorState,
  type ScoreRows,
  type ScoringOutcome,
  type ShapePart,
  type StageHandler,
  type StreamState,
} from '@damon/monitor-kit';

export interface PreparedActivations {
  event: ActivationBatch;
  itemIds: string[];
  layers: Map<string, Matrix>;
}

type Scorer = (batch: PreparedActivations) => Float32Array;
type PairScorer = (observed: Map<string, Matrix>, unobserved: Map<string, Matrix>) => Float32Array;

interface Component<S> {
  key: string;
  detector: 'gaussian' | 'propagation' | 'oversight-contrast';
  layer: string;
  score: S;
  calibrator: ConformalCalibrator;
  histogram: ScoreHistogram;
  dispose(): void;
}

export interface FittedRepresentations {
  layers: string[];
  components: Component<Scorer>[];
  fused?: { method: FusionMethod; calibrator: ConformalCalibrator };
  contrast: Component<PairScorer>[];
  contrastFused?: { method: FusionMethod; calibrator: ConformalCalibrator };
}

/** Pairs of observed/unobserved items needed in the reference before the contrast detector is fitted. */
const MIN_CONTRAST_PAIRS = 16;
/** Framed batches kept while waiting for the other variant. */
const MAX_PENDING_PAIRS = 32;
const TOP = 5;

export const REPRESENTATION_DETECTORS = {
  fused: 'fused-layers',
  gaussian: 'gaussian',
  propagation: 'propagation',
  contrast: 'oversight-contrast',
} as const;

interface ComponentState {
  calibration: ConformalCalibratorJson;
  detector: GaussianDetectorJson | LayerPropagationDetectorJson | OversightContrastDetectorJson;
  layer: string;
  kind: Component<unknown>['detector'];
}

/**
 * Stage 3. Per layer a Gaussian (squared Mahalanobis, Ledoit–Wolf), per consecutive layer pair a
 * ridge propagation residual; each calibrated to conformal p-values on the held-out reference split,
 * fused across layers per item (Fisher or min-p Šidák) and calibrated again. Batches framed as
 * observed/unobserved are also paired by pairId and itemId for the oversight-cue contrast.
 */
export class RepresentationStageHandler implements StageHandler<
  'damon.telemetry.repr',
  PreparedActivations,
  FittedRepresentations
> {
  readonly stage = 'representations' as const;
  readonly topic = 'damon.telemetry.repr' as const;
  readonly subjectKind = 'model' as const;

  constructor(private readonly gaussianOptions: GaussianDetectorOptions = {}) {}

  subject(event: ActivationBatch): ArtifactRef {
    return event.subject;
  }

  trusted(event: ActivationBatch): boolean {
    return event.trusted;
  }

  prepare(event: ActivationBatch, settings: MonitorSettingsValues): PreparedActivations {
    assertBatchSize(event.items.length, settings.maxBatchItems, 'items', 'items');
    const layers = new Map<string, Matrix>();
    event.layers.forEach((layer, i) => {
      const decoded = decodeVectors(layer.vectors, `layers.${i}.vectors`);
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
    const layers = reference[0].event.layers
      .map((l) => l.name)
      .filter((name) => reference.every((r) => r.layers.has(name)));
    const stacked = new Map(
      layers.map((name) => [name, stackRows(reference.map((r) => r.layers.get(name)!))]),
    );
    const total = stacked.get(layers[0])!.rows;
    const { fit, calibration } = splitIndexes(total, settings.calibrationFraction);
    const states: Record<string, DetectorState> = {};
    const calScores: Float32Array[] = [];
    const calibrators: ConformalCalibrator[] = [];
    const keep = (
      key: string,
      kind: ComponentState['kind'],
      layer: string,
      detector: ComponentState['detector'],
      scores: Float32Array,
    ) => {
      const calibrator = new ConformalCalibrator().fit(scores);
      states[key] = { kind, layer, detector, calibration: calibrator.toJSON() } satisfies ComponentState;
      calScores.push(scores);
      calibrators.push(calibrator);
    };
    if (detectorEnabled(settings, REPRESENTATION_DETECTORS.gaussian)) {
      for (const name of layers) {
        const rows = stacked.get(name)!;
        const detector = new GaussianDetector(this.gaussianOptions).fit(pickRows(rows, fit));
        keep(
          `gaussian:${name}`,
          'gaussian',
          name,
          detector.toJSON(),
          detector.score(pickRows(rows, calibration)),
        );
        detector.dispose();
      }
    }
    if (detectorEnabled(settings, REPRESENTATION_DETECTORS.propagation)) {
      for (let l = 0; l + 1 < layers.length; l++) {
        const source = stacked.get(layers[l])!;
        const target = stacked.get(layers[l + 1])!;
        const detector = new LayerPropagationDetector({ residual: this.gaussianOptions }).fit(
          pickRows(source, fit),
          pickRows(target, fit),
        );
        const layer = `${layers[l]}->${layers[l + 1]}`;
        keep(
          `propagation:${layer}`,
          'propagation',
          layer,
          detector.toJSON(),
          detector.score(pickRows(source, calibration), pickRows(target, calibration)),
        );
        detector.dispose();
      }
    }
    if (calibrators.length > 0) {
      states[REPRESENTATION_DETECTORS.fused] = {
        method: settings.fusion,
        calibration: fitFusedCalibrator(calScores, calibrators, settings.fusion).toJSON(),
      };
    }
    if (detectorEnabled(settings, REPRESENTATION_DETECTORS.contrast))
      Object.assign(states, this.fitContrast(reference, layers, settings));
    return states;
  }

  load(states: Record<string, DetectorState>): FittedRepresentations {
    const fitted: FittedRepresentations = { layers: [], components: [], contrast: [] };
    for (const [key, raw] of Object.entries(states)) {
      if (key === REPRESENTATION_DETECTORS.fused || key === `${REPRESENTATION_DETECTORS.contrast}:fused`) {
        const fused = {
          method: raw.method as FusionMethod,
          calibrator: ConformalCalibrator.fromJSON(raw.calibration as ConformalCalibratorJson),
        };
        if (key === REPRESENTATION_DETECTORS.fused) fitted.fused = fused;
        else fitted.contrastFused = fused;
        continue;
      }
      if (!key.includes(':')) continue;
      const state = raw as unknown as ComponentState;
      const calibrator = ConformalCalibrator.fromJSON(state.calibration);
      const histogram = scoreHistogram(state.calibration.scores);
      const base = { key, layer: state.layer, calibrator, histogram };
      switch (state.kind) {
        case 'gaussian': {
          const detector = GaussianDetector.fromJSON(state.detector as GaussianDetectorJson);
          fitted.layers.push(state.layer);
          fitted.components.push({
            ...base,
            detector: 'gaussian',
            score: (b) => detector.score(b.layers.get(state.layer)!),
            dispose: () => detector.dispose(),
          });
          break;
        }
        case 'propagation': {
          const detector = LayerPropagationDetector.fromJSON(state.detector as LayerPropagationDetectorJson);
          const [source, target] = state.layer.split('->');
          fitted.components.push({
            ...base,
            detector: 'propagation',
            score: (b) => detector.score(b.layers.get(source)!, b.layers.get(target)!),
            dispose: () => detector.dispose(),
          });
          break;
        }
        case 'oversight-contrast': {
          const detector = OversightContrastDetector.fromJSON(
            state.detector as OversightContrastDetectorJson,
          );
          fitted.contrast.push({
            ...base,
            detector: 'oversight-contrast',
            score: (o, u) => detector.score(o.get(state.layer)!, u.get(state.layer)!),
            dispose: () => detector.dispose(),
          });
          break;
        }
      }
    }
    return fitted;
  }

  score(
    prepared: PreparedActivations,
    fitted: FittedRepresentations,
    settings: MonitorSettingsValues,
    stream: StreamState,
  ): ScoringOutcome {
    const missing = fitted.layers.filter((name) => !prepared.layers.has(name));
    if (missing.length > 0) {
      throw new RejectedInputError(
        'inconsistent',
        'layers',
        `missing layer(s) ${missing.join(', ')} that the subject's baseline was fitted on`,
      );
    }
    const outcome: ScoringOutcome = { scores: [], alerts: [] };
    if (fitted.components.length > 0 && fitted.fused) {
      const raw = fitted.components.map((c) => c.score(prepared));
      outcome.scores.push(
        ...this.itemScores(
          fitted.components,
          raw,
          prepared.itemIds,
          fitted.fused,
          settings,
          prepared,
          outcome.alerts,
          REPRESENTATION_DETECTORS.fused,
        ),
      );
    }
    if (prepared.event.framing && fitted.contrast.length > 0 && fitted.contrastFused)
      this.scoreContrast(prepared, fitted, settings, stream, outcome);
    return outcome;
  }

  dispose(fitted: FittedRepresentations): void {
    for (const c of [...fitted.components, ...fitted.contrast]) c.dispose();
  }

  /** Component scores and p-values, the calibrated fused p-value per item, alerts where it is ≤ α. */
  private itemScores<S>(
    components: Component<S>[],
    raw: Float32Array[],
    itemIds: string[],
    fused: { method: FusionMethod; calibrator: ConformalCalibrator },
    settings: MonitorSettingsValues,
    prepared: PreparedActivations,
    alerts: AlertDraft[],
    detector: string,
    relatedInputs?: AlertDraft['relatedInputs'],
  ): ScoreRows[] {
    const pValues = components.map((c, i) => c.calibrator.pValues(raw[i]));
    const fusedRaw = fusePValues(pValues, fused.method);
    const statistic = Float64Array.from(fusedRaw, fusedStatistic);
    const final = fused.calibrator.pValues(statistic);
    const rows: ScoreRows[] = components.map((c, k) => ({
      detector: c.detector,
      layer: c.layer,
      items: itemIds.map((itemId, i) => ({ itemId, score: raw[k][i], pValue: pValues[k][i] })),
    }));
    rows.push({
      detector,
      items: itemIds.map((itemId, i) => ({ itemId, score: statistic[i], pValue: final[i] })),
    });
    // Calibrated p-values saturate at 1/(n+1): ties are broken by the fused statistic.
    const ranked = itemIds
      .map((itemId, i) => ({ itemId, score: round(statistic[i]), pValue: round(final[i]) }))
      .sort((a, b) => a.pValue - b.pValue || b.score - a.score);
    itemIds.forEach((itemId, i) => {
      if (final[i] > settings.alpha) return;
      const byComponent = components
        .map((c, k) => ({ component: c, score: raw[k][i], pValue: pValues[k][i] }))
        .sort((a, b) => a.pValue - b.pValue || b.score - a.score);
      const top = byComponent[0];
      alerts.push({
        detector,
        score: statistic[i],
        pValue: final[i],
        itemKey: itemId,
        relatedInputs,
        evidence: {
          itemId,
          batchId: prepared.event.batchId,
          fusion: fused.method,
          fusedPValueUncalibrated: round(fusedRaw[i]),
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
          flaggedInBatch: ranked.filter((r) => r.pValue <= settings.alpha).length,
          batchItems: itemIds.length,
        },
      });
    });
    return rows;
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
      pending[framing.pairId] = toPending(prepared.event);
      const ids = Object.keys(pending);
      // Oldest first: a half whose partner never comes must not grow the state without bound.
      for (const id of ids.slice(0, Math.max(0, ids.length - MAX_PENDING_PAIRS))) delete pending[id];
      stream.pendingPairs = pending;
      return;
    }
    delete pending[framing.pairId];
    stream.pendingPairs = pending;
    const other = fromPending(partner);
    const [observed, unobserved] = framing.variant === 'observed' ? [prepared, other] : [other, prepared];
    const matched = matchItems(observed, unobserved);
    if (matched.itemIds.length === 0) return;
    const raw = fitted.contrast.map((c) => c.score(matched.observed, matched.unobserved));
    const rows = this.itemScores(
      fitted.contrast,
      raw,
      matched.itemIds,
      fitted.contrastFused!,
      settings,
      prepared,
      outcome.alerts,
      REPRESENTATION_DETECTORS.contrast,
      [{ eventId: partner.eventId, occurredAt: partner.occurredAt }],
    );
    // Per-layer contrast rows would repeat the per-layer ones under another name: only the fused row.
    outcome.scores.push(...rows.slice(-1));
  }

  private fitContrast(
    reference: PreparedActivations[],
    layers: string[],
    settings: MonitorSettingsValues,
  ): Record<string, DetectorState> {
    const byPair = new Map<string, { observed?: PreparedActivations; unobserved?: PreparedActivations }>();
    for (const r of reference) {
      const framing = r.event.framing;
      if (!framing) continue;
      const entry = byPair.get(framing.pairId) ?? {};
      entry[framing.variant] = r;
      byPair.set(framing.pairId, entry);
    }
    const matched = [...byPair.values()]
      .filter((p) => p.observed && p.unobserved)
      .map((p) => matchItems(p.observed!, p.unobserved!));
    const pairs = matched.reduce((n, m) => n + m.itemIds.length, 0);
    if (pairs < MIN_CONTRAST_PAIRS) return {};
    const { fit, calibration } = splitIndexes(pairs, settings.calibrationFraction);
    const states: Record<string, DetectorState> = {};
    const calScores: Float32Array[] = [];
    const calibrators: ConformalCalibrator[] = [];
    for (const name of layers) {
      const observed = stackRows(matched.map((m) => m.observed.get(name)!));
      const unobserved = stackRows(matched.map((m) => m.unobserved.get(name)!));
      const detector = new OversightContrastDetector(this.gaussianOptions).fit(
        pickRows(observed, fit),
        pickRows(unobserved, fit),
      );
      const scores = detector.score(pickRows(observed, calibration), pickRows(unobserved, calibration));
      const calibrator = new ConformalCalibrator().fit(scores);
      states[`${REPRESENTATION_DETECTORS.contrast}:${name}`] = {
        kind: 'oversight-contrast',
        layer: name,
        detector: detector.toJSON(),
        calibration: calibrator.toJSON(),
      } satisfies ComponentState;
      calScores.push(scores);
      calibrators.push(calibrator);
      detector.dispose();
    }
    states[`${REPRESENTATION_DETECTORS.contrast}:fused`] = {
      method: settings.fusion,
      calibration: fitFusedCalibrator(calScores, calibrators, settings.fusion).toJSON(),
    };
    return states;
  }
}

interface PendingHalf {
  eventId: string;
  occurredAt: string;
  variant: 'observed' | 'unobserved';
  itemIds: string[];
  layers: { name: string; vectors: Vectors }[];
}

function toPending(event: ActivationBatch): PendingHalf {
  return {
    eventId: event.eventId,
    occurredAt: event.occurredAt,
    variant: event.framing!.variant,
    itemIds: event.items.map((i) => i.itemId),
    layers: event.layers.map((l) => ({ name: l.name, vectors: l.vectors })),
  };
}

function fromPending(half: PendingHalf): PreparedActivations {
  const layers = new Map(
    half.layers.map((l) => {
      const decoded = decodeVectors(l.vectors);
      return [l.name, matrix(decoded.rows, decoded.cols, decoded.values)] as const;
    }),
  );
  return { event: undefined as never, itemIds: half.itemIds, layers };
}

/** Rows of both variants for the item ids they share, in the observed batch's order. */
function matchItems(observed: PreparedActivations, unobserved: PreparedActivations) {
  const index = new Map(unobserved.itemIds.map((id, i) => [id, i]));
  const pairs = observed.itemIds
    .map((id, i) => [id, i, index.get(id)] as const)
    .filter((p): p is readonly [string, number, number] => p[2] !== undefined);
  const pick = (source: PreparedActivations, which: 1 | 2) =>
    new Map(
      [...source.layers].map(
        ([name, m]) =>
          [
            name,
            pickRows(
              m,
              pairs.map((p) => p[which]),
            ),
          ] as const,
      ),
    );
  return { itemIds: pairs.map((p) => p[0]), observed: pick(observed, 1), unobserved: pick(unobserved, 2) };
}

export function stackRows(parts: readonly Matrix[]): Matrix {
  const cols = parts[0].cols;
  const rows = parts.reduce((n, p) => n + p.rows, 0);
  const data = new Float32Array(rows * cols);
  let offset = 0;
  for (const p of parts) {
    data.set(p.data, offset);
    offset += p.data.length;
  }
  return matrix(rows, cols, data);
}

export function pickRows(m: Matrix, indexes: readonly number[]): Matrix {
  const data = new Float32Array(indexes.length * m.cols);
  indexes.forEach((r, i) => data.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols));
  return matrix(indexes.length, m.cols, data);
}
