import {
  ConformalCalibrator,
  FusedCalibration,
  GaussianDetector,
  KnnDetector,
  LayerPropagationDetector,
  OversightContrastDetector,
  QuantumEntropyDetector,
  pickRows,
  spreadIndexes,
  resolvedRank,
  stackRows,
  type GaussianDetectorOptions,
} from '@damon/detectors';
import { encodeVectors } from '@damon/contracts';
import {
  detectorEnabled,
  splitIndexes,
  type DetectorState,
  type MonitorSettingsValues,
} from '@damon/monitor-kit';
import {
  CONTRAST_FUSED_KEY,
  REPRESENTATION_DETECTORS,
  fusedState,
  type ComponentState,
} from './representation-components';
import { matchItems, type PreparedActivations } from './representation-pairing';

/** Pairs of observed/unobserved items needed in the reference before the contrast detector is fitted. */
const MIN_CONTRAST_PAIRS = 16;
/** Reference rows a k-NN component keeps per layer (its stored state and scoring cost grow with them). */
const KNN_MAX_REFERENCE = 1024;
const KNN_NEIGHBOURS = 5;
/** Held-out trusted rows a QUE component keeps per layer to calibrate each batch against. */
const QUE_MAX_CALIBRATION = 512;
/** Whitened directions QUE keeps per layer (its per-batch eigendecomposition is m × m). */
const QUE_MAX_COMPONENTS = 64;
/** Calibration rows QUE needs (two halves, each a U and a calibration set). */
const QUE_MIN_CALIBRATION = 32;

/** What could not be fitted and why, for the subject's status. */
export type Unavailable = Record<string, string>;

/** Collects components with their calibration scores, then the fused calibration over them. */
class ComponentSet {
  readonly states: Record<string, DetectorState> = {};
  private readonly calScores: Float32Array[] = [];
  private readonly calibrators: ConformalCalibrator[] = [];

  keep(
    key: string,
    kind: ComponentState['kind'],
    layer: string,
    detector: ComponentState['detector'],
    scores: Float32Array,
    extra: Partial<ComponentState> = {},
  ) {
    const calibrator = new ConformalCalibrator().fit(scores);
    this.states[key] = {
      kind,
      layer,
      detector,
      calibration: calibrator.toJSON(),
      ...extra,
    } satisfies ComponentState;
    this.calScores.push(scores);
    this.calibrators.push(calibrator);
  }

  fused(method: MonitorSettingsValues['fusion']): FusedCalibration | undefined {
    return this.calibrators.length > 0
      ? FusedCalibration.fit(this.calScores, this.calibrators, method)
      : undefined;
  }

  /** The components' keys in the order of the fused calibration's columns. */
  keys(): string[] {
    return Object.keys(this.states);
  }
}

/** Per layer a Gaussian and a k-NN distance, per consecutive layer pair a propagation residual. */
export function fitLayers(
  reference: PreparedActivations[],
  settings: MonitorSettingsValues,
  gaussianOptions: GaussianDetectorOptions,
  unavailable: Unavailable,
): Record<string, DetectorState> {
  const layers = reference[0].event.layers
    .map((l) => l.name)
    .filter((name) => reference.every((r) => r.layers.has(name)));
  const stacked = new Map(layers.map((name) => [name, stackRows(reference.map((r) => r.layers.get(name)!))]));
  const total = stacked.get(layers[0])!.rows;
  const { fit, calibration } = splitIndexes(total, settings.calibrationFraction);
  const set = new ComponentSet();
  for (const name of layers) {
    const rows = stacked.get(name)!;
    const fitRows = pickRows(rows, fit);
    const calRows = pickRows(rows, calibration);
    if (detectorEnabled(settings, REPRESENTATION_DETECTORS.gaussian)) {
      const detector = new GaussianDetector(gaussianOptions).fit(fitRows);
      set.keep(`gaussian:${name}`, 'gaussian', name, detector.toJSON(), detector.score(calRows));
      detector.dispose();
    }
    if (detectorEnabled(settings, REPRESENTATION_DETECTORS.knn)) {
      if (fitRows.rows < KNN_NEIGHBOURS) {
        unavailable[REPRESENTATION_DETECTORS.knn] =
          `${fitRows.rows} fit rows, fewer than k = ${KNN_NEIGHBOURS} neighbours`;
      } else {
        // On the low-rank path the k-NN cross term is taken in as many principal directions too.
        const detector = new KnnDetector({
          k: KNN_NEIGHBOURS,
          maxReference: KNN_MAX_REFERENCE,
          rank: resolvedRank(gaussianOptions, fitRows.cols),
        }).fit(fitRows);
        set.keep(`knn:${name}`, 'knn', name, detector.toJSON(), detector.score(calRows));
        detector.dispose();
      }
    }
    if (detectorEnabled(settings, REPRESENTATION_DETECTORS.que)) {
      if (calRows.rows < QUE_MIN_CALIBRATION) {
        unavailable[REPRESENTATION_DETECTORS.que] =
          `${calRows.rows} calibration rows, fewer than ${QUE_MIN_CALIBRATION}`;
      } else {
        const detector = new QuantumEntropyDetector({ maxComponents: QUE_MAX_COMPONENTS }).fit(fitRows);
        const kept = pickRows(
          calRows,
          spreadIndexes(
            Array.from({ length: calRows.rows }, (_, i) => i),
            QUE_MAX_CALIBRATION,
          ),
        );
        // What clean rows score (cross-fitted, as batch rows are): the fused calibration's items.
        set.keep(`que:${name}`, 'que', name, detector.toJSON(), detector.crossFittedScores(calRows), {
          calibrationRows: encodeVectors(kept.data, [kept.rows, kept.cols]),
        });
        detector.dispose();
      }
    }
  }
  if (detectorEnabled(settings, REPRESENTATION_DETECTORS.propagation)) {
    if (layers.length < 2) unavailable[REPRESENTATION_DETECTORS.propagation] = 'the reference has one layer';
    for (let l = 0; l + 1 < layers.length; l++) {
      const source = stacked.get(layers[l])!;
      const target = stacked.get(layers[l + 1])!;
      // On the low-rank path the map reads the source in as many principal directions too.
      const detector = new LayerPropagationDetector({
        residual: gaussianOptions,
        rank: resolvedRank(gaussianOptions, source.cols),
      }).fit(pickRows(source, fit), pickRows(target, fit));
      const layer = `${layers[l]}->${layers[l + 1]}`;
      set.keep(
        `propagation:${layer}`,
        'propagation',
        layer,
        detector.toJSON(),
        detector.score(pickRows(source, calibration), pickRows(target, calibration)),
      );
      detector.dispose();
    }
  }
  const fused = set.fused(settings.fusion);
  const states = { ...set.states };
  if (fused) states[REPRESENTATION_DETECTORS.fused] = fusedState(fused, set.keys());
  if (detectorEnabled(settings, REPRESENTATION_DETECTORS.contrast))
    Object.assign(states, fitContrast(reference, layers, settings, gaussianOptions, unavailable));
  return states;
}

function fitContrast(
  reference: PreparedActivations[],
  layers: string[],
  settings: MonitorSettingsValues,
  gaussianOptions: GaussianDetectorOptions,
  unavailable: Unavailable,
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
  if (pairs < MIN_CONTRAST_PAIRS) {
    unavailable[REPRESENTATION_DETECTORS.contrast] =
      `${pairs} observed/unobserved item pairs in the reference, fewer than ${MIN_CONTRAST_PAIRS}`;
    return {};
  }
  const { fit, calibration } = splitIndexes(pairs, settings.calibrationFraction);
  const set = new ComponentSet();
  for (const name of layers) {
    const observed = stackRows(matched.map((m) => m.observed.get(name)!));
    const unobserved = stackRows(matched.map((m) => m.unobserved.get(name)!));
    const detector = new OversightContrastDetector(gaussianOptions).fit(
      pickRows(observed, fit),
      pickRows(unobserved, fit),
    );
    set.keep(
      `${REPRESENTATION_DETECTORS.contrast}:${name}`,
      'oversight-contrast',
      name,
      detector.toJSON(),
      detector.score(pickRows(observed, calibration), pickRows(unobserved, calibration)),
    );
    detector.dispose();
  }
  const fused = set.fused(settings.fusion)!;
  return { ...set.states, [CONTRAST_FUSED_KEY]: fusedState(fused, set.keys()) };
}
