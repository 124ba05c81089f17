import {
  ConformalCalibrator,
  FusedCalibration,
  GaussianDetector,
  KnnDetector,
  LayerPropagationDetector,
  OversightContrastDetector,
  QuantumEntropyDetector,
  matrix,
  scoreHistogram,
  type ConformalCalibratorJson,
  type FusedCalibrationJson,
  type FusionMethod,
  type GaussianDetectorJson,
  type KnnDetectorJson,
  type LayerPropagationDetectorJson,
  type Matrix,
  type OversightContrastDetectorJson,
  type QuantumEntropyJson,
  type ScoreHistogram,
} from '@damon/detectors';
import { decodeVectors, type Vectors } from '@damon/contracts';
import type { DetectorState } from '@damon/monitor-kit';
import type { PairedHalf } from './representation-pairing';

export const REPRESENTATION_DETECTORS = {
  fused: 'fused-layers',
  gaussian: 'gaussian',
  knn: 'knn',
  que: 'que',
  propagation: 'propagation',
  contrast: 'oversight-contrast',
} as const;

export type ComponentKind = 'gaussian' | 'knn' | 'que' | 'propagation' | 'oversight-contrast';

export type Scorer = (layers: Map<string, Matrix>) => Float32Array;
export type PairScorer = (observed: Map<string, Matrix>, unobserved: Map<string, Matrix>) => Float32Array;

export interface Component<S> {
  key: string;
  detector: ComponentKind;
  layer: string;
  score: S;
  calibrator: ConformalCalibrator;
  histogram: ScoreHistogram;
  /** Components calibrated per batch (QUE): scores and p-values together, instead of `calibrator`. */
  scoreCalibrated?: (layers: Map<string, Matrix>) => { scores: Float32Array; pValues: Float64Array };
  dispose(): void;
}

export interface FittedRepresentations {
  layers: string[];
  components: Component<Scorer>[];
  fused?: FusedCalibration;
  contrast: Component<PairScorer>[];
  contrastFused?: FusedCalibration;
}

/** One component as stored in detector_baselines. */
export interface ComponentState {
  calibration: ConformalCalibratorJson;
  detector:
    | GaussianDetectorJson
    | KnnDetectorJson
    | QuantumEntropyJson
    | LayerPropagationDetectorJson
    | OversightContrastDetectorJson;
  layer: string;
  kind: ComponentKind;
  /** QUE: the held-out trusted rows each batch's scores are calibrated against. */
  calibrationRows?: Vectors;
}

export const CONTRAST_FUSED_KEY = `${REPRESENTATION_DETECTORS.contrast}:fused`;

/**
 * A fused calibration as stored, with the keys of its components in the order of its calibration
 * columns: the baseline's rows come back from the database in no set order, so the components are
 * put back in this one when loaded.
 */
export function fusedState(fused: FusedCalibration, components: string[]): DetectorState {
  return { method: fused.method, fused: fused.toJSON(), components };
}

/**
 * The order fitLayers has always kept, for a baseline fitted before the order was stored: per layer
 * (in the order the propagation chain gives) its Gaussian, k-NN and QUE, then the propagations along
 * the chain; contrast components by layer likewise.
 */
function fitOrder<S>(components: Component<S>[]): Component<S>[] {
  const links = components.filter((c) => c.detector === 'propagation').map((c) => c.layer.split('->'));
  const targets = new Set(links.map(([, target]) => target));
  const next = new Map(links.map(([source, target]) => [source, target]));
  const chain: string[] = [];
  for (
    let layer = links.map(([source]) => source).find((l) => !targets.has(l));
    layer;
    layer = next.get(layer)
  )
    chain.push(layer);
  const others = [...new Set(components.map((c) => c.layer.split('->')[0]))]
    .filter((layer) => !chain.includes(layer))
    .sort();
  const layerOrder = [...chain, ...others];
  const layerRank = (layer: string) => layerOrder.indexOf(layer.split('->')[0]);
  const kindRank: Record<ComponentKind, number> = {
    gaussian: 0,
    knn: 1,
    que: 2,
    'oversight-contrast': 3,
    propagation: 4,
  };
  return [...components].sort(
    (a, b) =>
      (a.detector === 'propagation' ? 1 : 0) - (b.detector === 'propagation' ? 1 : 0) ||
      layerRank(a.layer) - layerRank(b.layer) ||
      kindRank[a.detector] - kindRank[b.detector] ||
      a.key.localeCompare(b.key),
  );
}

/** `components` in the order `keys` gives (all of them must be there), or in the fit's order without keys. */
function inStoredOrder<S>(components: Component<S>[], keys: unknown, fusedKey: string): Component<S>[] {
  if (!Array.isArray(keys)) return fitOrder(components); // fitted before the order was stored
  const byKey = new Map(components.map((c) => [c.key, c]));
  const ordered = (keys as string[]).map((key) => byKey.get(key));
  if (ordered.some((c) => c === undefined) || ordered.length !== components.length)
    throw new Error(
      `the stored baseline's ${fusedKey} lists components [${(keys as string[]).join(', ')}] but holds [${[...byKey.keys()].join(', ')}]`,
    );
  return ordered as Component<S>[];
}

/** Stored states back to scorers (the state mapping); unknown keys are left alone. */
export function loadComponents(states: Record<string, DetectorState>): FittedRepresentations {
  const fitted: FittedRepresentations = { layers: [], components: [], contrast: [] };
  for (const [key, raw] of Object.entries(states)) {
    if (key === REPRESENTATION_DETECTORS.fused || key === CONTRAST_FUSED_KEY) {
      // Baselines fitted before the fused calibration kept its items carry a fixed calibrator.
      const fused = raw.fused
        ? FusedCalibration.fromJSON(raw.fused as FusedCalibrationJson)
        : FusedCalibration.legacy(raw.method as FusionMethod, raw.calibration as ConformalCalibratorJson);
      if (key === REPRESENTATION_DETECTORS.fused) fitted.fused = fused;
      else fitted.contrastFused = fused;
      continue;
    }
    if (!key.includes(':')) continue;
    const state = raw as unknown as ComponentState;
    const base = {
      key,
      layer: state.layer,
      calibrator: ConformalCalibrator.fromJSON(state.calibration),
      histogram: scoreHistogram(state.calibration.scores),
    };
    switch (state.kind) {
      case 'gaussian': {
        const detector = GaussianDetector.fromJSON(state.detector as GaussianDetectorJson);
        if (!fitted.layers.includes(state.layer)) fitted.layers.push(state.layer);
        fitted.components.push({
          ...base,
          detector: 'gaussian',
          score: (layers) => detector.score(layers.get(state.layer)!),
          dispose: () => detector.dispose(),
        });
        break;
      }
      case 'knn': {
        const detector = KnnDetector.fromJSON(state.detector as KnnDetectorJson);
        if (!fitted.layers.includes(state.layer)) fitted.layers.push(state.layer);
        fitted.components.push({
          ...base,
          detector: 'knn',
          score: (layers) => detector.score(layers.get(state.layer)!),
          dispose: () => detector.dispose(),
        });
        break;
      }
      case 'que': {
        const detector = QuantumEntropyDetector.fromJSON(state.detector as QuantumEntropyJson);
        const decoded = decodeVectors(state.calibrationRows!);
        // Whitened once here: the same calibration rows are scored under every batch's U.
        const calibration = detector.whiten(matrix(decoded.rows, decoded.cols, decoded.values));
        if (!fitted.layers.includes(state.layer)) fitted.layers.push(state.layer);
        fitted.components.push({
          ...base,
          detector: 'que',
          score: (layers) => detector.scoreCalibrated(layers.get(state.layer)!, calibration).scores,
          scoreCalibrated: (layers) => detector.scoreCalibrated(layers.get(state.layer)!, calibration),
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
          score: (layers) => detector.score(layers.get(source)!, layers.get(target)!),
          dispose: () => detector.dispose(),
        });
        break;
      }
      case 'oversight-contrast': {
        const detector = OversightContrastDetector.fromJSON(state.detector as OversightContrastDetectorJson);
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
  fitted.components = inStoredOrder(
    fitted.components,
    states[REPRESENTATION_DETECTORS.fused]?.components,
    REPRESENTATION_DETECTORS.fused,
  );
  fitted.contrast = inStoredOrder(
    fitted.contrast,
    states[CONTRAST_FUSED_KEY]?.components,
    CONTRAST_FUSED_KEY,
  );
  return fitted;
}

export type { PairedHalf };
