import { RejectedInputError, type RejectionKind } from './rejected-input.error';
import { decodeWireMessage, VectorCodecError } from '@damon/contracts';
import type { MonitorSettingsValues } from './monitor-settings';
import type {
  AnyStageHandler,
  DetectorState,
  ScoreRows,
  ScoringOutcome,
  ShapePart,
  StreamState,
} from './stage-handler';

/**
 * How a worker thread builds its own copy of a stage handler: `new (require(module)[exportName])(...args)`.
 * `module` is a package name (resolved through the tsconfig paths in dev and test) or an absolute path;
 * `args` must survive structured cloning.
 */
export interface HandlerModuleRef {
  module: string;
  exportName: string;
  args?: unknown[];
}

/** Fits the subject's detectors on the stored reference (the raw event bytes, in order). */
export interface FitTask {
  kind: 'fit';
  subject: string;
  version: number;
  settings: MonitorSettingsValues;
  reference: Uint8Array[];
  /** States the kit adds to the handler's (`_baseline`), so the loaded detectors see the stored set. */
  extra: Record<string, DetectorState>;
}

export interface FitResult {
  states: Record<string, DetectorState>;
}

/**
 * Scores a subject's events, in order, against baseline `version`. A worker that has not loaded that
 * version answers `needStates`; the engine then sends the stored states along.
 */
export interface ScoreTask {
  kind: 'score';
  subject: string;
  version: number;
  states?: Record<string, DetectorState>;
  settings: MonitorSettingsValues;
  /** The reference shape (key → width): a part of another width or unknown to it is rejected. */
  shape: Record<string, number> | undefined;
  stream: StreamState;
  events: unknown[];
  /** Deployed supervised detectors of the subject (by layer), when the handler takes them. */
  supervised?: Record<string, DetectorState>;
  /**
   * `parts`: compute each event's `scoreParts` only (stream state untouched); `whole` (default): score
   * each event, with `parts[i]` when given (the parts of event i computed before).
   */
  step?: 'parts' | 'whole';
  parts?: unknown[];
}

export interface RejectedEvent {
  rejected: { kind: RejectionKind; message: string };
}
export interface ScoredEvent {
  items: number;
  outcome: ScoringOutcome;
}
/** An event of a `step: 'parts'` task: what the handler's `scoreParts` returned. */
export interface EventParts {
  items: number;
  parts: unknown;
}
export type EventResult = RejectedEvent | ScoredEvent | EventParts;

export type ScoreResult = { needStates: true } | { results: EventResult[]; stream: StreamState };

export type ComputeTask = FitTask | ScoreTask;
export type ComputeResult<T extends ComputeTask> = T extends FitTask ? FitResult : ScoreResult;

/**
 * The compute side of a stage monitor: decoding, fitting and scoring, with no database or bus. It
 * runs in each worker thread of the pool (see compute-worker.ts), or on the calling thread
 * (InlineComputePool). It keeps the fitted detectors of the subjects it has seen, by baseline version.
 */
export class ComputeWorker {
  private readonly cache = new Map<string, { version: number; fitted: unknown }>();

  constructor(private readonly handler: AnyStageHandler) {}

  run(task: ComputeTask): FitResult | ScoreResult {
    return task.kind === 'fit' ? this.fit(task) : this.score(task);
  }

  dispose(): void {
    for (const key of [...this.cache.keys()]) this.evict(key);
  }

  private fit(task: FitTask): FitResult {
    const reference = task.reference.map((bytes) =>
      // Stored as they arrived: either wire form (base64 JSON or binary DMNB).
      this.handler.prepare(decodeWireMessage(bytes) as never, task.settings),
    );
    const states: Record<string, DetectorState> = {
      ...this.handler.fit(reference, task.settings),
      ...task.extra,
    };
    this.evict(task.subject);
    this.cache.set(task.subject, { version: task.version, fitted: this.handler.load(states) });
    return { states };
  }

  private score(task: ScoreTask): ScoreResult {
    let cached = this.cache.get(task.subject);
    if (!cached || cached.version !== task.version) {
      if (!task.states) return { needStates: true };
      this.evict(task.subject);
      cached = { version: task.version, fitted: this.handler.load(task.states) };
      this.cache.set(task.subject, cached);
    }
    const results: EventResult[] = [];
    for (const [i, event] of task.events.entries()) {
      try {
        const prepared = this.handler.prepare(event as never, task.settings);
        checkShape(this.handler.shape(prepared), task.shape, false);
        const items = this.handler.items(prepared);
        if (task.step === 'parts') {
          if (!this.handler.scoreParts)
            throw new Error(`the ${this.handler.stage} handler has no scoreParts`);
          results.push({ items, parts: this.handler.scoreParts(prepared, cached.fitted, task.settings) });
          continue;
        }
        const outcome = this.handler.score(
          prepared,
          cached.fitted,
          task.settings,
          task.stream,
          task.supervised,
          task.parts?.[i],
        );
        results.push({ items, outcome });
      } catch (error) {
        const rejection = asRejection(error);
        if (!rejection) throw error;
        results.push({ rejected: { kind: rejection.kind, message: rejection.message } });
      }
    }
    return { results, stream: task.stream };
  }

  private evict(key: string): void {
    const cached = this.cache.get(key);
    if (cached) this.handler.dispose?.(cached.fitted);
    this.cache.delete(key);
  }
}

/** Rejects a part of another width than the reference's, and (once fitted) one the reference never had. */
export function checkShape(
  parts: ShapePart[],
  reference: Record<string, number> | undefined,
  allowNew: boolean,
): void {
  if (!reference) return;
  for (const part of parts) {
    const dim = reference[part.key];
    if (dim === undefined) {
      if (allowNew) continue;
      throw new RejectedInputError(
        'unknown_layer',
        part.field,
        `unknown "${part.key}" (the subject's reference has: ${Object.keys(reference).join(', ')})`,
      );
    }
    if (dim !== part.dim) {
      throw new RejectedInputError(
        'dimension',
        part.field,
        `dimension ${part.dim} does not match the subject's reference dimension ${dim} for "${part.key}"`,
      );
    }
  }
}

/** The input's own fault (a RejectedInputError, or a vector that does not decode), else undefined. */
export function asRejection(error: unknown): RejectedInputError | undefined {
  if (error instanceof RejectedInputError) return error;
  if (error instanceof VectorCodecError) {
    return new RejectedInputError(
      /not finite/.test(error.message) ? 'non_finite' : 'inconsistent',
      error.field,
      error.message.slice(error.field.length + 2),
    );
  }
  return undefined;
}

/** A ScoreRows with its items in columns: what crosses from a worker thread to the main thread. */
interface ColumnarScoreRows {
  detector: string;
  layer?: string;
  /** `itemIds[i]` is the event's `itemIdTable[itemIds[i]]`. */
  columns: { itemIds: Int32Array; scores: Float64Array; pValues: Float64Array };
}

/** An event's outcome in transit: its row sets in columns, the item ids they name once. */
interface ColumnarOutcome {
  scores: ColumnarScoreRows[];
  itemIdTable: string[];
}

/**
 * `result` with every event's score rows in columns. The structured clone of a worker's answer
 * costs per object: a 10-event representation task carries ~20,000 `{ itemId, score, pValue }`
 * items, measured at 15–23 ms to clone in bench:pipeline (and as much again to rebuild on the main
 * thread); in columns the numbers travel as typed arrays. An event's row sets (one per detector and
 * layer) name the same items: each id crosses once, in the event's table, and the rows index it
 * (eight row sets of 256 items made 2,048 strings for the main thread to rebuild, and to promote).
 */
export function toColumnarScores<T extends ComputeResult<ComputeTask>>(result: T): T {
  if (!('results' in result)) return result;
  const results = result.results.map((event) => {
    if (!('outcome' in event)) return event;
    const itemIdTable: string[] = [];
    const indexOf = new Map<string, number>();
    const scores = event.outcome.scores.map((rows): ColumnarScoreRows => {
      const n = rows.items.length;
      const columns = {
        itemIds: new Int32Array(n),
        scores: new Float64Array(n),
        pValues: new Float64Array(n),
      };
      rows.items.forEach((item, i) => {
        let index = indexOf.get(item.itemId);
        if (index === undefined) {
          index = itemIdTable.push(item.itemId) - 1;
          indexOf.set(item.itemId, index);
        }
        columns.itemIds[i] = index;
        columns.scores[i] = item.score;
        columns.pValues[i] = item.pValue;
      });
      const { items: _items, ...rest } = rows;
      return { ...rest, columns };
    });
    const outcome: ColumnarOutcome = { scores, itemIdTable };
    return { ...event, outcome: { ...event.outcome, ...outcome } as unknown as typeof event.outcome };
  });
  return { ...result, results };
}

/** The inverse of toColumnarScores (in place), on the thread that receives the answer. */
export function fromColumnarScores<T extends ComputeResult<ComputeTask>>(result: T): T {
  if (!('results' in result)) return result;
  for (const event of result.results) {
    if (!('outcome' in event)) continue;
    const { itemIdTable: table, scores: packed, ...rest } = event.outcome as unknown as ColumnarOutcome;
    const scores = packed.map((rows): ScoreRows => {
      const { itemIds, scores: values, pValues } = rows.columns;
      const { columns: _columns, ...named } = rows;
      const items: ScoreRows['items'] = [];
      for (let i = 0; i < itemIds.length; i++)
        items.push({ itemId: table[itemIds[i]], score: values[i], pValue: pValues[i] });
      return { ...named, items };
    });
    event.outcome = { ...rest, scores } as typeof event.outcome;
  }
  return result;
}
