import type { ArtifactRef, Stage, StageAlert, TopicMap } from '@damon/contracts';
import type { HandlerModuleRef } from './compute-tasks';
import type { MonitorSettingsValues } from './monitor-settings';

/** One detector's fitted state as stored (JSON) in detector_baselines. */
export type DetectorState = Record<string, unknown>;

export type TelemetryTopic = 'damon.telemetry.data' | 'damon.telemetry.training' | 'damon.telemetry.repr';

/** One width-bearing part of an event (a layer, the embeddings), for shape checks against the reference. */
export interface ShapePart {
  key: string;
  dim: number;
  /** Path of the field in the event, named in dead-letter reasons. */
  field: string;
}

export interface ScoreRows {
  detector: string;
  layer?: string;
  items: { itemId: string; score: number; pValue: number }[];
}

/** An alert before ids, subject, stage and window are filled in by the kit. */
export interface AlertDraft {
  detector: string;
  score: number;
  pValue: number;
  evidence: Record<string, unknown>;
  /** Tail p-value beyond the calibration floor and flagged/tested counts, for incident severity. */
  severityEvidence?: StageAlert['severityEvidence'];
  /** Distinguishes several alerts raised from the same inputs (e.g. the item id). */
  itemKey?: string;
  /** Earlier events the finding also rests on (e.g. the other half of an observed/unobserved pair). */
  relatedInputs?: { eventId: string; occurredAt: string }[];
  /** The items (samples, activation rows) the finding points at: ids (bounded) and how many in all. */
  flagged?: { ids: string[]; count: number };
  /**
   * The flagged item's vectors by layer, stored (bounded) with the alert id in flagged_vectors, in the
   * transaction of the input, so verdicts on the alert's incident can label them; never published.
   */
  vectors?: { layer: string; itemId: string; values: Float32Array }[];
}

export interface ScoringOutcome {
  scores: ScoreRows[];
  alerts: AlertDraft[];
}

/** Mutable per-subject state of streaming detectors, persisted after every event. */
export type StreamState = Record<string, unknown>;

/**
 * What differs between the three stage monitors. The kit does the rest: consumption, idempotency,
 * baseline lifecycle and persistence, shape checks, alert and score emission, dead letters, metrics.
 * `P` is an event once decoded and checked; `F` the fitted detectors loaded in memory.
 */
export interface StageHandler<T extends TelemetryTopic, P, F> {
  readonly stage: Stage;
  readonly topic: T;
  readonly subjectKind: ArtifactRef['kind'];
  /**
   * How a compute worker thread builds its own copy of this handler; without it the monitor fits
   * and scores on its main thread (InlineComputePool).
   */
  readonly worker?: HandlerModuleRef;
  /**
   * Whether the handler scores with supervised detectors fitted outside the baseline (the verdict
   * probe): the engine then reads the subject's deployed ones (`deployedProbeStates`) for each task.
   */
  readonly supervised?: boolean;
  subject(event: TopicMap[T]): ArtifactRef;
  trusted(event: TopicMap[T]): boolean;
  /**
   * Whether scoring `event` under `settings` neither reads nor writes the subject's stream state (a
   * stateless score against the fixed baseline). A run of such events may be split across the pool's
   * workers and scored in parallel, its outputs kept in order; without this method every event is
   * sequential.
   */
  independent?(event: TopicMap[T], settings: MonitorSettingsValues): boolean;
  /**
   * Whether scoring `event` splits into a heavy part that leaves the stream state alone
   * (`scoreParts`) and a light rest that reads and writes it (`score` given those parts). A run of
   * such events has its parts computed in parallel chunks across the pool's workers, then is scored
   * in event order in one task from the parts: the same outputs as scoring each event whole.
   */
  partial?(event: TopicMap[T], settings: MonitorSettingsValues): boolean;
  /** The stateless part of scoring an event `partial` accepted (structured-cloneable; throws as `score`). */
  scoreParts?(prepared: P, fitted: F, settings: MonitorSettingsValues): unknown;
  /**
   * Decodes vectors and checks values; throws RejectedInputError naming the field. What it returns
   * may view the event's byte arrays (decodeVectors with `view`) only while the task lasts, and never
   * writes to them: a worker's score task carries them in a transfer arena the next task overwrites.
   */
  prepare(event: TopicMap[T], settings: MonitorSettingsValues): P;
  /** Items the event adds to a reference (samples, activation rows, 1 for a signal). */
  items(prepared: P): number;
  shape(prepared: P): ShapePart[];
  /** Fits every enabled detector on the reference (fit and calibration splits); state by detector name. */
  fit(reference: P[], settings: MonitorSettingsValues): Record<string, DetectorState>;
  load(states: Record<string, DetectorState>): F;
  score(
    prepared: P,
    fitted: F,
    settings: MonitorSettingsValues,
    stream: StreamState,
    supervised?: Record<string, DetectorState>,
    /** What `scoreParts` returned for this event, when the engine computed it apart. */
    parts?: unknown,
  ): ScoringOutcome;
  dispose?(fitted: F): void;
}

/** A handler whose type parameters the caller need not know (methods are bivariant, so any handler fits). */
export type AnyStageHandler = StageHandler<TelemetryTopic, unknown, unknown>;
