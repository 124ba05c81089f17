import { decodeVectors, type ArtifactRef, type TrainingSignal } from '@damon/contracts';
import {
  binomialSf,
  ConformalCalibrator,
  cusumTwoSidedArl,
  EditAuditor,
  matrix,
  normalSf,
  ParetoTail,
  TrendCusumDetector,
  type ConformalCalibratorJson,
  type EditAuditorJson,
  type TrendCusumJson,
  type TrendCusumOptions,
  type TrendCusumUpdate,
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

/**
 * Scalar streams watched for change points; `reward-disagreement` is reward − referenceValue and
 * `kl-budget` is KL / budget (for KL signals that carry a budget), watched against 1.
 */
const SCALAR_STREAMS = ['reward', 'loss', 'grad-norm', 'kl', 'reward-disagreement', 'kl-budget'] as const;
type ScalarStream = (typeof SCALAR_STREAMS)[number];

export const SIGNAL_DETECTORS = {
  changePoint: 'change-point',
  preferenceFlip: 'preference-flip',
  gradientDirection: 'gradient-direction',
  paramEdit: 'param-edit',
} as const;

/** Values a stream needs in the reference before it is watched. */
const MIN_STREAM_VALUES = 20;
/** Run-level in-control steps per false change alarm when the settings do not say (issue 13: ≤ 1 per 100,000). */
export const DEFAULT_AVERAGE_RUN_LENGTH = 100_000;
/** The CUSUM allowance of every stream (TrendCusumDetector's default: half of a 1-sd shift). */
const CUSUM_K = 0.5;
/**
 * How each stream is expected to move. Curves of training (reward, loss, gradient norm, KL) follow a
 * Holt local linear trend; the disagreement of the reward with a reference reward should stay level,
 * so it gets a slow local level (a drift between the two models is followed, a jump is not).
 */
const STREAM_MODELS: Record<ScalarStream, Omit<TrendCusumOptions, 'h'>> = {
  reward: { levelRate: 0.05, trendRate: 0.1, k: CUSUM_K },
  loss: { levelRate: 0.05, trendRate: 0.1, k: CUSUM_K },
  'grad-norm': { levelRate: 0.05, trendRate: 0.1, k: CUSUM_K },
  kl: { levelRate: 0.05, trendRate: 0.1, k: CUSUM_K },
  'reward-disagreement': { levelRate: 0.01, trendRate: 0, k: CUSUM_K },
  // The KL over its budget follows the KL's course (its noise is the model's scale), but the CUSUM
  // runs against the budget: rising towards it is expected, staying above it is the change.
  'kl-budget': { levelRate: 0.05, trendRate: 0.1, k: CUSUM_K, target: 1 },
};
/** Another stream whose CUSUM is above this share of h when a change is confirmed is part of that change. */
const JOINT_SHARE = 0.5;
/** Streams computed from the same signal: a change confirmed on one is the other's too (one alert). */
const SAME_SIGNAL: Partial<Record<ScalarStream, ScalarStream[]>> = { kl: ['kl-budget'], 'kl-budget': ['kl'] };
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
  detector: TrendCusumJson;
  /** Streams watched on this run: the run-level ARL is shared among them. */
  streams: number;
}

export interface FittedSignals {
  streams: Map<ScalarStream, StreamBaseline>;
  flipRate?: number;
  direction?: {
    mean: Float32Array;
    calibration: ConformalCalibrator;
    calibrationScores: number[];
    tail?: ParetoTail;
  };
  edits?: {
    auditor: EditAuditor;
    calibration: ConformalCalibrator;
    calibrationScores: number[];
    tail?: ParetoTail;
  };
}

interface StreamMemory {
  trend: Record<string, TrendCusumJson>;
  history: Record<string, { step: number; value: number }[]>;
  flips: number[];
}

/**
 * Stage 2. Scalar streams (reward, loss, gradient norm, KL, reward-model disagreement with a
 * reference reward) each feed a TrendCusumDetector fitted on the trusted reference: a CUSUM on the
 * forecast errors of a model that follows the stream's expected course, with its threshold set from
 * a run-level average run length (MONITOR_AVERAGE_RUN_LENGTH steps per false alarm, shared among the
 * streams), confirmed before it is raised, and one alert per change (then the streams restart).
 * Preference labels are tested for a flip rate (vs referencePreferred) above the reference rate
 * (one-sided binomial over the last window); gradient directions and parameter edits are scored
 * against trusted ones (cosine distance to the mean direction; EditAuditor), calibrated conformally,
 * and carry a generalized-Pareto tail p-value for severity.
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
      const ordered = [...reference].sort((a, b) => a.signal.step - b.signal.step);
      const watched = SCALAR_STREAMS.map((stream) => ({
        stream,
        values: ordered.map((r) => streamValue(r.signal, stream)).filter((v): v is number => v !== undefined),
      })).filter((w) => w.values.length >= MIN_STREAM_VALUES);
      // Union bound: m streams, each with m × the run's ARL, give the run at most one false alarm per ARL.
      const arl = (settings.averageRunLength ?? DEFAULT_AVERAGE_RUN_LENGTH) * watched.length;
      for (const { stream, values } of watched) {
        const detector = TrendCusumDetector.fit(values, { ...STREAM_MODELS[stream], arl });
        states[`${SIGNAL_DETECTORS.changePoint}:${stream}`] = {
          detector: detector.toJSON(),
          streams: watched.length,
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
        fitted.streams.set(key.slice(SIGNAL_DETECTORS.changePoint.length + 1) as ScalarStream, {
          detector: state.detector as TrendCusumJson,
          streams: state.streams as number,
        });
      } else if (key === SIGNAL_DETECTORS.preferenceFlip) {
        fitted.flipRate = state.flipRate as number;
      } else if (key === SIGNAL_DETECTORS.gradientDirection) {
        const json = state.calibration as ConformalCalibratorJson;
        fitted.direction = {
          mean: Float32Array.from(state.mean as number[]),
          calibration: calibrator(json),
          calibrationScores: json.scores,
          tail: ParetoTail.fromScores(json.scores),
        };
      } else if (key === SIGNAL_DETECTORS.paramEdit) {
        const json = state.calibration as ConformalCalibratorJson;
        fitted.edits = {
          auditor: EditAuditor.fromJSON(state.auditor as EditAuditorJson),
          calibration: calibrator(json),
          calibrationScores: json.scores,
          tail: ParetoTail.fromScores(json.scores),
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
    memory.trend ??= {};
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
      tailPValue?: number,
    ) => {
      const rows: ScoreRows = { detector, items: [{ itemId, score, pValue }] };
      if (layer !== undefined) rows.layer = layer;
      outcome.scores.push(rows);
      if (pValue <= settings.alpha)
        outcome.alerts.push({
          detector,
          score,
          pValue,
          ...(tailPValue !== undefined ? { severityEvidence: { tailPValue } } : {}),
          itemKey: layer,
          evidence: {
            step: signal.step,
            kind: signal.kind,
            ...(signal.source ? { source: signal.source } : {}),
            ...evidence(),
          },
        } satisfies AlertDraft);
    };

    this.scoreStreams(signal, fitted, memory, outcome);

    if (
      signal.kind === 'preference' &&
      signal.referencePreferred !== undefined &&
      fitted.flipRate !== undefined
    ) {
      memory.flips.push(signal.preferred !== signal.referencePreferred ? 1 : 0);
      const window = Math.min(settings.windowSize, 200);
      if (memory.flips.length > window) memory.flips.splice(0, memory.flips.length - window);
      const flips = memory.flips.reduce((a, b) => a + b, 0);
      const pValue = binomialSf(flips, memory.flips.length, fitted.flipRate);
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
      const pValue = d.calibration.pValue(score);
      emit(
        SIGNAL_DETECTORS.gradientDirection,
        signal.kind === 'grad_stats' ? signal.layer : undefined,
        score,
        pValue,
        () => ({
          cosineToReference: round(1 - score),
          referenceHistogram: { ...scoreHistogram(d.calibrationScores), current: round(score) },
        }),
        d.tail?.pValue(score, pValue),
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
      emit(
        SIGNAL_DETECTORS.paramEdit,
        signal.layer,
        audit.score,
        pValue,
        () => ({
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
        }),
        conformal ? e.tail?.pValue(audit.score, pValue) : pValue,
      );
    }
    return outcome;
  }

  /**
   * Each scalar stream's trend CUSUM takes its value; a confirmed change raises one alert naming every
   * stream whose CUSUM stands high at that moment (all of them restart), never one alert per step.
   */
  private scoreStreams(
    signal: TrainingSignal,
    fitted: FittedSignals,
    memory: StreamMemory,
    outcome: ScoringOutcome,
  ): void {
    const itemId = `step-${signal.step}`;
    const alarms: { name: ScalarStream; update: TrendCusumUpdate; detector: TrendCusumDetector }[] = [];
    const detectors = new Map<ScalarStream, TrendCusumDetector>();
    const load = (name: ScalarStream, baseline: StreamBaseline) => {
      let detector = detectors.get(name);
      if (!detector) {
        detector = TrendCusumDetector.fromJSON(memory.trend[name] ?? baseline.detector);
        detectors.set(name, detector);
      }
      return detector;
    };
    for (const name of SCALAR_STREAMS) {
      const value = streamValue(signal, name);
      const baseline = fitted.streams.get(name);
      if (value === undefined || !baseline) continue;
      const history = (memory.history[name] ??= []);
      history.push({ step: signal.step, value });
      if (history.length > HISTORY) history.splice(0, history.length - HISTORY);
      const detector = load(name, baseline);
      const update = detector.update(value, signal.step);
      outcome.scores.push({
        detector: SIGNAL_DETECTORS.changePoint,
        layer: name,
        items: [{ itemId, score: update.statistic, pValue: excursionPValue(update.statistic, 1, 1) }],
      });
      if (update.alarm) alarms.push({ name, update, detector });
    }
    if (alarms.length > 0) {
      const lead = alarms.reduce((a, b) => (b.update.statistic > a.update.statistic ? b : a));
      const streams = alarms.map(({ name, update }) => ({
        stream: name,
        direction: update.direction,
        changeStep: update.changeStep,
        magnitude: round(update.magnitude ?? 0),
        magnitudeSd: round(update.magnitudeSd ?? 0),
        statistic: round(update.statistic),
      }));
      for (const name of SCALAR_STREAMS) {
        const baseline = fitted.streams.get(name);
        if (!baseline || alarms.some((a) => a.name === name)) continue;
        const detector = load(name, baseline);
        const sameSignal = alarms.some((a) => SAME_SIGNAL[a.name]?.includes(name));
        if (detector.statistic < JOINT_SHARE * detector.threshold && !sameSignal) continue;
        if (detector.statistic === 0) {
          detector.absorb();
          continue;
        }
        streams.push({
          stream: name,
          direction: undefined,
          changeStep: undefined,
          magnitude: 0,
          magnitudeSd: 0,
          statistic: round(detector.statistic),
        });
        detector.absorb();
      }
      const { update } = lead;
      const changeStep = Math.min(...alarms.map((a) => a.update.changeStep ?? signal.step));
      const watched = fitted.streams.get(lead.name)!.streams;
      const pValue = excursionPValue(update.statistic, signal.step - changeStep + 1, watched);
      outcome.alerts.push({
        detector: SIGNAL_DETECTORS.changePoint,
        score: update.statistic,
        pValue,
        evidence: {
          step: signal.step,
          kind: signal.kind,
          ...(signal.source ? { source: signal.source } : {}),
          stream: lead.name,
          ...(signal.kind === 'kl' && signal.budget !== undefined
            ? { kl: round(signal.value), budget: signal.budget }
            : {}),
          direction: update.direction,
          changeStep,
          confirmedStep: signal.step,
          crossedStep: update.crossedAt,
          magnitude: round(update.magnitude ?? 0),
          magnitudeSd: round(update.magnitudeSd ?? 0),
          streams,
          threshold: round(lead.detector.threshold),
          averageRunLength: Math.round(lead.detector.averageRunLength),
          recent: (memory.history[lead.name] ?? []).map((h) => ({ step: h.step, value: round(h.value) })),
        },
      } satisfies AlertDraft);
    }
    for (const [name, detector] of detectors) memory.trend[name] = detector.toJSON();
  }
}

/**
 * Chance that one of `streams` in-control CUSUMs reaches `statistic` within `steps` steps: false
 * alarms at level s arrive at rate 1/ARL(s) per stream (closed form), so p = 1 − exp(−m·L/ARL(s)).
 * Unlike a conformal p-value it keeps falling as the evidence grows, so severity can rank changes.
 */
export function excursionPValue(statistic: number, steps: number, streams: number): number {
  return -Math.expm1((-streams * Math.max(1, steps)) / cusumTwoSidedArl(statistic, CUSUM_K));
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
    case 'kl-budget':
      return signal.kind === 'kl' && signal.budget !== undefined ? signal.value / signal.budget : undefined;
  }
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
