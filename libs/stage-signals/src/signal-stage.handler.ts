import { decodeVectors, type ArtifactRef, type TrainingSignal } from '@damon/contracts';
import {
  ConformalCalibrator,
  CusumDetector,
  EditAuditor,
  matrix,
  normalSf,
  type ConformalCalibratorJson,
  type CusumJson,
  type EditAuditorJson,
  type Matrix,
  type ParameterEdit,
} from '@damon/detectors';
import {
  round,
  scoreHistogram,
  splitIndexes,
  detectorEnabled,
  type MonitorSettingsValues,
  assertBatchSize,
  type AlertDraft,
  type DetectorState,
  type ScoreRows,
  type ScoringOutcome,
  type ShapePart,
  type StageHandler,
  type StreamState,
} from '@damon/monitor-kit';

/** Scalar streams watched for change points; `reward-disagreement` is reward − referenceValue. */
const SCALAR_STREAMS = ['reward', 'loss', 'grad-norm', 'kl', 'reward-disagreement'] as const;
type ScalarStream = (typeof SCALAR_STREAMS)[number];

export const SIGNAL_DETECTORS = {
  changePoint: 'change-point',
  preferenceFlip: 'preference-flip',
  gradientDirection: 'gradient-direction',
  paramEdit: 'param-edit',
} as const;

/** Values a stream needs in the reference before it is watched. */
const MIN_STREAM_VALUES = 20;
/** CUSUM allowance in units of the reference sd (the usual half of the shift to detect). */
const CUSUM_K = 0.5;
/** Decision interval never reached: alarms come from the calibrated p-value instead. */
const NO_INTERVAL = 1e12;
/** Values shown in an alert's evidence. */
const HISTORY = 50;

export interface PreparedSignal {
  signal: TrainingSignal;
  /** Unit gradient direction, for grad_stats with a direction sketch. */
  direction?: Float32Array;
  /** The edit as dense deltas, for param_edit. */
  edit?: ParameterEdit;
}

interface StreamBaseline {
  mean: number;
  sd: number;
  calibration: ConformalCalibrator;
  calibrationScores: number[];
}

export interface FittedSignals {
  streams: Map<ScalarStream, StreamBaseline>;
  flipRate?: number;
  direction?: { mean: Float32Array; calibration: ConformalCalibrator; calibrationScores: number[] };
  edits?: { auditor: EditAuditor; calibration: ConformalCalibrator; calibrationScores: number[] };
}

interface StreamMemory {
  cusum: Record<string, CusumJson>;
  history: Record<string, { step: number; value: number }[]>;
  flips: number[];
}

/**
 * Stage 2. Scalar streams (reward, loss, gradient norm, KL, reward-model disagreement with a
 * reference reward) feed a two-sided CUSUM standardised on the trusted reference; its statistic is
 * turned into a conformal p-value against the statistic's course over the held-out reference.
 * Preference labels are tested for a flip rate (vs referencePreferred) above the reference rate
 * (one-sided binomial over the last window); gradient directions and parameter edits are scored
 * against trusted ones (cosine distance to the mean direction; EditAuditor) and calibrated conformally.
 */
export class SignalStageHandler implements StageHandler<
  'damon.telemetry.training',
  PreparedSignal,
  FittedSignals
> {
  readonly stage = 'signals' as const;
  readonly topic = 'damon.telemetry.training' as const;
  readonly subjectKind = 'run' as const;

  subject(signal: TrainingSignal): ArtifactRef {
    return signal.subject;
  }

  trusted(signal: TrainingSignal): boolean {
    return signal.trusted === true;
  }

  prepare(signal: TrainingSignal, settings: MonitorSettingsValues): PreparedSignal {
    if (signal.kind === 'grad_stats' && signal.direction) {
      const decoded = decodeVectors(signal.direction, 'direction');
      assertBatchSize(decoded.rows * decoded.cols, settings.maxBatchItems, 'direction.shape', 'values');
      return { signal, direction: unit(decoded.values) };
    }
    if (signal.kind === 'param_edit') {
      const delta = signal.dense
        ? toMatrix(decodeVectors(signal.dense, 'dense'))
        : product(
            toMatrix(decodeVectors(signal.factors!.a, 'factors.a')),
            toMatrix(decodeVectors(signal.factors!.b, 'factors.b')),
          );
      return { signal, edit: { layers: [{ layer: signal.layer, delta }] } };
    }
    return { signal };
  }

  items(): number {
    return 1;
  }

  shape(prepared: PreparedSignal): ShapePart[] {
    return prepared.direction
      ? [{ key: 'gradient-direction', dim: prepared.direction.length, field: 'direction.shape' }]
      : [];
  }

  fit(reference: PreparedSignal[], settings: MonitorSettingsValues): Record<string, DetectorState> {
    const states: Record<string, DetectorState> = {};
    if (detectorEnabled(settings, SIGNAL_DETECTORS.changePoint)) {
      for (const stream of SCALAR_STREAMS) {
        const values = reference
          .map((r) => streamValue(r.signal, stream))
          .filter((v): v is number => v !== undefined);
        if (values.length < MIN_STREAM_VALUES) continue;
        const { fit, calibration } = splitIndexes(values.length, settings.calibrationFraction);
        const fitValues = fit.map((i) => values[i]);
        const mean = fitValues.reduce((a, b) => a + b, 0) / fitValues.length;
        const sd =
          Math.sqrt(fitValues.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, fitValues.length - 1)) ||
          1;
        // The statistic's course over held-out values, restarted after each calibrated alarm as in monitoring.
        const cusum = new CusumDetector({ mean, sd, k: CUSUM_K, h: NO_INTERVAL });
        const scores = calibration.map((i) => cusum.update(values[i]).statistic);
        states[`${SIGNAL_DETECTORS.changePoint}:${stream}`] = {
          mean,
          sd,
          calibration: new ConformalCalibrator().fit(scores).toJSON(),
        };
      }
    }
    if (detectorEnabled(settings, SIGNAL_DETECTORS.preferenceFlip)) {
      const labelled = reference
        .map((r) => r.signal)
        .filter((s) => s.kind === 'preference' && s.referencePreferred !== undefined);
      if (labelled.length >= MIN_STREAM_VALUES) {
        const flips = labelled.filter(
          (s) => s.kind === 'preference' && s.preferred !== s.referencePreferred,
        ).length;
        // Laplace smoothing: a reference without flips must not make one flip infinitely surprising.
        states[SIGNAL_DETECTORS.preferenceFlip] = {
          flipRate: (flips + 1) / (labelled.length + 2),
          referencePairs: labelled.length,
        };
      }
    }
    const directions = reference.flatMap((r) => (r.direction ? [r.direction] : []));
    if (
      detectorEnabled(settings, SIGNAL_DETECTORS.gradientDirection) &&
      directions.length >= MIN_STREAM_VALUES
    ) {
      const { fit, calibration } = splitIndexes(directions.length, settings.calibrationFraction);
      const mean = unit(sumRows(fit.map((i) => directions[i])));
      const scores = calibration.map((i) => cosineDistance(directions[i], mean));
      states[SIGNAL_DETECTORS.gradientDirection] = {
        mean: Array.from(mean),
        calibration: new ConformalCalibrator().fit(scores).toJSON(),
      };
    }
    const edits = reference.flatMap((r) => (r.edit ? [r.edit] : []));
    if (detectorEnabled(settings, SIGNAL_DETECTORS.paramEdit) && edits.length >= 6) {
      const { fit, calibration } = splitIndexes(edits.length, Math.max(settings.calibrationFraction, 0.5));
      const auditor = new EditAuditor().fit(fit.map((i) => edits[i]));
      const scores = calibration.map((i) => auditor.audit(edits[i]).score);
      states[SIGNAL_DETECTORS.paramEdit] = {
        auditor: auditor.toJSON(),
        calibration: new ConformalCalibrator().fit(scores).toJSON(),
      };
    }
    return states;
  }

  load(states: Record<string, DetectorState>): FittedSignals {
    const fitted: FittedSignals = { streams: new Map() };
    const calibrator = (json: unknown) => ConformalCalibrator.fromJSON(json as ConformalCalibratorJson);
    for (const [key, state] of Object.entries(states)) {
      if (key.startsWith(`${SIGNAL_DETECTORS.changePoint}:`)) {
        const json = state.calibration as ConformalCalibratorJson;
        fitted.streams.set(key.slice(SIGNAL_DETECTORS.changePoint.length + 1) as ScalarStream, {
          mean: state.mean as number,
          sd: state.sd as number,
          calibration: calibrator(json),
          calibrationScores: json.scores,
        });
      } else if (key === SIGNAL_DETECTORS.preferenceFlip) {
        fitted.flipRate = state.flipRate as number;
      } else if (key === SIGNAL_DETECTORS.gradientDirection) {
        const json = state.calibration as ConformalCalibratorJson;
        fitted.direction = {
          mean: Float32Array.from(state.mean as number[]),
          calibration: calibrator(json),
          calibrationScores: json.scores,
        };
      } else if (key === SIGNAL_DETECTORS.paramEdit) {
        const json = state.calibration as ConformalCalibratorJson;
        fitted.edits = {
          auditor: EditAuditor.fromJSON(state.auditor as EditAuditorJson),
          calibration: calibrator(json),
          calibrationScores: json.scores,
        };
      }
    }
    return fitted;
  }

  score(
    prepared: PreparedSignal,
    fitted: FittedSignals,
    settings: MonitorSettingsValues,
    stream: StreamState,
  ): ScoringOutcome {
    const memory = stream as unknown as StreamMemory;
    memory.cusum ??= {};
    memory.history ??= {};
    memory.flips ??= [];
    const { signal } = prepared;
    const itemId = `step-${signal.step}`;
    const outcome: ScoringOutcome = { scores: [], alerts: [] };
    const emit = (
      detector: string,
      layer: string | undefined,
      score: number,
      pValue: number,
      evidence: () => Record<string, unknown>,
    ) => {
      const rows: ScoreRows = { detector, items: [{ itemId, score, pValue }] };
      if (layer !== undefined) rows.layer = layer;
      outcome.scores.push(rows);
      if (pValue <= settings.alpha)
        outcome.alerts.push({
          detector,
          score,
          pValue,
          itemKey: layer,
          evidence: {
            step: signal.step,
            kind: signal.kind,
            ...(signal.source ? { source: signal.source } : {}),
            ...evidence(),
          },
        } satisfies AlertDraft);
    };

    for (const name of SCALAR_STREAMS) {
      const value = streamValue(signal, name);
      const baseline = fitted.streams.get(name);
      if (value === undefined || !baseline) continue;
      const history = (memory.history[name] ??= []);
      history.push({ step: signal.step, value });
      if (history.length > HISTORY) history.splice(0, history.length - HISTORY);
      const detector = memory.cusum[name]
        ? CusumDetector.fromJSON(memory.cusum[name])
        : new CusumDetector({ mean: baseline.mean, sd: baseline.sd, k: CUSUM_K, h: NO_INTERVAL });
      const update = detector.update(value);
      const state = detector.toJSON().state;
      const pValue = baseline.calibration.pValue(update.statistic);
      const direction = state.high >= state.low ? 'up' : 'down';
      // The observation at which the sum last left zero: the estimated first step of the new regime.
      const startIndex = direction === 'up' ? state.highStart : state.lowStart;
      const changeStep =
        history[Math.max(0, history.length - 1 - (update.step - startIndex))]?.step ?? signal.step;
      emit(SIGNAL_DETECTORS.changePoint, name, update.statistic, pValue, () => ({
        stream: name,
        direction,
        changeStep,
        referenceMean: round(baseline.mean),
        referenceSd: round(baseline.sd),
        recent: history.map((h) => ({ step: h.step, value: round(h.value) })),
        referenceHistogram: {
          ...scoreHistogram(baseline.calibrationScores),
          current: round(update.statistic),
        },
      }));
      // Restart after an alarm, as CUSUM does, so one change raises one alert rather than one per step.
      memory.cusum[name] =
        pValue <= settings.alpha
          ? new CusumDetector({ mean: baseline.mean, sd: baseline.sd, k: CUSUM_K, h: NO_INTERVAL }).toJSON()
          : detector.toJSON();
    }

    if (
      signal.kind === 'preference' &&
      signal.referencePreferred !== undefined &&
      fitted.flipRate !== undefined
    ) {
      memory.flips.push(signal.preferred !== signal.referencePreferred ? 1 : 0);
      const window = Math.min(settings.windowSize, 200);
      if (memory.flips.length > window) memory.flips.splice(0, memory.flips.length - window);
      const flips = memory.flips.reduce((a, b) => a + b, 0);
      const pValue = binomialUpperTail(flips, memory.flips.length, fitted.flipRate);
      const rate = flips / memory.flips.length;
      emit(SIGNAL_DETECTORS.preferenceFlip, undefined, rate, pValue, () => ({
        flipRate: round(rate),
        referenceFlipRate: round(fitted.flipRate!),
        window: memory.flips.length,
        flips,
        pairId: signal.pairId,
      }));
      if (pValue <= settings.alpha) memory.flips = [];
    }

    if (prepared.direction && fitted.direction) {
      const d = fitted.direction;
      const score = cosineDistance(prepared.direction, d.mean);
      emit(
        SIGNAL_DETECTORS.gradientDirection,
        signal.kind === 'grad_stats' ? signal.layer : undefined,
        score,
        d.calibration.pValue(score),
        () => ({
          cosineToReference: round(1 - score),
          referenceHistogram: { ...scoreHistogram(d.calibrationScores), current: round(score) },
        }),
      );
    }

    if (prepared.edit && fitted.edits && signal.kind === 'param_edit') {
      const e = fitted.edits;
      const audit = e.auditor.audit(prepared.edit);
      // Edits are rare: with fewer than 1/α − 1 held-out edits a conformal p-value cannot reach α, so
      // the normal tail of the largest robust |z| (Šidák over the three features) stands in for it.
      const conformal = e.calibration.size + 1 >= 1 / settings.alpha;
      const pValue = conformal
        ? e.calibration.pValue(audit.score)
        : -Math.expm1(3 * Math.log1p(-Math.min(1 - 1e-16, 2 * normalSf(audit.score))));
      emit(SIGNAL_DETECTORS.paramEdit, signal.layer, audit.score, pValue, () => ({
        calibration: conformal ? 'conformal' : 'normal-tail',
        target: signal.target,
        layer: signal.layer,
        norm: round(audit.features.norm),
        effectiveRank: round(audit.features.effectiveRank),
        locality: round(audit.features.locality),
        z: {
          logNorm: round(audit.z.logNorm),
          effectiveRank: round(audit.z.effectiveRank),
          locality: round(audit.z.locality),
        },
        unseenLayers: audit.unseenLayers,
        referenceHistogram: { ...scoreHistogram(e.calibrationScores), current: round(audit.score) },
      }));
    }
    return outcome;
  }
}

function streamValue(signal: TrainingSignal, stream: ScalarStream): number | undefined {
  switch (stream) {
    case 'reward':
      return signal.kind === 'reward' ? signal.value : undefined;
    case 'loss':
      return signal.kind === 'loss' ? signal.value : undefined;
    case 'grad-norm':
      return signal.kind === 'grad_stats' ? signal.norm : undefined;
    case 'kl':
      return signal.kind === 'kl' ? signal.value : undefined;
    case 'reward-disagreement':
      return signal.kind === 'reward' && signal.referenceValue !== undefined
        ? signal.value - signal.referenceValue
        : undefined;
  }
}

/** P(X ≥ k) for X ~ Binomial(n, p), summed in log space. */
export function binomialUpperTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  let logTerm = 0;
  // log C(n, i) p^i (1-p)^(n-i), starting from i = 0.
  logTerm = n * Math.log1p(-p);
  let cumulativeBelow = 0;
  for (let i = 0; i < k; i++) {
    cumulativeBelow += Math.exp(logTerm);
    logTerm += Math.log((n - i) / (i + 1)) + Math.log(p) - Math.log1p(-p);
  }
  return Math.min(1, Math.max(0, 1 - cumulativeBelow));
}

function unit(values: Float32Array): Float32Array {
  let norm = 0;
  for (const v of values) norm += v * v;
  norm = Math.sqrt(norm) || 1;
  return Float32Array.from(values, (v) => v / norm);
}

function sumRows(rows: Float32Array[]): Float32Array {
  const out = new Float32Array(rows[0].length);
  for (const r of rows) for (let i = 0; i < out.length; i++) out[i] += r[i];
  return out;
}

function cosineDistance(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
  return 1 - dot;
}

function toMatrix(decoded: { values: Float32Array; rows: number; cols: number }): Matrix {
  return matrix(decoded.rows, decoded.cols, decoded.values);
}

/** a·bᵀ for low-rank factors a: rows×r and b: cols×r. */
function product(a: Matrix, b: Matrix): Matrix {
  const out = new Float32Array(a.rows * b.rows);
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < b.rows; j++) {
      let s = 0;
      for (let k = 0; k < a.cols; k++) s += a.data[i * a.cols + k] * b.data[j * b.cols + k];
      out[i * b.rows + j] = s;
    }
  }
  return matrix(a.rows, b.rows, out);
}
