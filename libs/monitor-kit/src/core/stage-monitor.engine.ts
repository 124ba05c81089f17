import type { BaselineCommand, DeadLetter, ScoreBatch, StageAlert, TopicMap } from '@damon/contracts';
import { LIMITS, type ArtifactRef } from '@damon/contracts';
import type { BatchContext, Bus, ReceivedMessage } from '@damon/bus';
import type { JsonLogger } from '@damon/observability';
import {
  deployedProbeStates,
  recordProcessedMany,
  recordProcessedOnce,
  storeFlaggedVectors,
  type FlaggedVectorCaps,
  type FlaggedVectorRow,
  type MonitorSubject,
} from '@damon/persistence';
import type { DataSource, EntityManager } from 'typeorm';
import { BaselineStore } from './baseline-store';
import { mergeSettings, type MonitorSettingsValues } from './monitor-settings';
import type { MonitorMetrics } from './monitor-metrics';
import { OutputBuilder, type InputRef } from './output-builder';
import type { RejectionKind } from './rejected-input.error';
import {
  asRejection,
  checkShape,
  type EventParts,
  type RejectedEvent,
  type ScoreTask,
  type ScoredEvent,
} from './compute-tasks';
import { InlineComputePool, type ComputePool } from './compute-pool';
import type { AnyStageHandler, DetectorState, StreamState } from './stage-handler';

export interface EngineOptions {
  /** Consumer group of the telemetry subscription; also the idempotency scope in processed_events. */
  group: string;
  defaults: MonitorSettingsValues;
  /**
   * Where decoding, fitting and scoring run (default: inline, on this thread). The engine does not
   * close it: its owner does.
   */
  pool?: ComputePool;
  /** The stage's baseline store (default: a new one for the handler's stage). */
  store?: BaselineStore;
  /** Bounds of the flagged vectors kept per subject and layer (default FLAGGED_VECTOR_CAPS). */
  flaggedVectorCaps?: FlaggedVectorCaps;
}

/** How often the engine heartbeats while it waits for the pool (kafkajs throttles to its interval). */
const KEEP_ALIVE_MS = 500;

/**
 * A subject's sequential events of one fetch are scored in up to this many consecutive tasks, and each
 * task's outputs are published while the next is scored: in bench:pipeline, building and publishing a
 * 10-event fetch's outputs took ~20% of a saturated run with the worker idle meanwhile.
 */
const OVERLAP_CHUNKS = 3;
/** …but a chunk never has fewer events than this (each task costs a pool round trip). */
const MIN_OVERLAP_CHUNK = 3;

/** What the kit keeps in monitor_subjects.stream_state: the reference shape and the handler's own state. */
interface SubjectStreamState {
  shape?: Record<string, number>;
  /** Reference items the subject needs before its fit (N of "n of N"), for the subject status. */
  referenceTarget?: number;
  handler?: StreamState;
}

interface Outputs {
  /** For the metrics. Score batches are not kept: once published they are garbage (see emit). */
  alerts: StageAlert[];
  deadLetters: { letter: DeadLetter; reason: RejectionKind }[];
  scoredItems: number;
  learnedItems: number;
  duplicates: number;
  fitted?: { version: number; referenceItems: number; unavailable: Record<string, string> };
  /** Milliseconds in each step of the transaction, for the debug `timing` log. */
  steps: { lockMs: number; scoreMs: number; outputsMs: number };
}

/**
 * Detector state key under which a handler's fit names the detectors it could not fit and why
 * (`{ unavailable: { [detector]: reason } }`); kept with the baseline for the subject status.
 */
export const UNAVAILABLE_STATE_KEY = '_status';

/** Room in a dead letter for everything but the original bytes (as the bus leaves). */
const DEAD_LETTER_OVERHEAD_BYTES = 64 * 1024;

/**
 * The baseline lifecycle and scoring loop shared by the three stage monitors. For each subject in a
 * fetched batch, one transaction: lock the subject, skip already-processed event ids, buffer
 * reference items or score, fit when the reference is full, publish scores, alerts and dead letters,
 * then commit; the bus commits offsets only after that. A crash anywhere replays the same events
 * against the same stored state, and the outputs carry ids derived from their inputs.
 */
export class StageMonitorEngine {
  private readonly store: BaselineStore;
  private readonly outputs: OutputBuilder;
  private readonly pool: ComputePool;
  private readonly ownPool: boolean;

  constructor(
    private readonly handler: AnyStageHandler,
    private readonly dataSource: DataSource,
    private readonly bus: Bus,
    private readonly metrics: MonitorMetrics,
    private readonly logger: JsonLogger,
    private readonly options: EngineOptions,
  ) {
    this.store = options.store ?? new BaselineStore(handler.stage);
    this.outputs = new OutputBuilder(handler.stage, () => options.defaults.alpha);
    this.ownPool = options.pool === undefined;
    this.pool = options.pool ?? new InlineComputePool(handler);
  }

  get stage() {
    return this.handler.stage;
  }

  /**
   * Batch handler of the telemetry subscription: the messages of one partition, in order. Subjects
   * are independent (each its own transaction and row lock), so up to the pool's size of them are
   * processed at once; the events of one subject stay in order.
   */
  async handleTelemetry(messages: readonly ReceivedMessage[], context?: BatchContext): Promise<void> {
    // Time since the last fetched batch was handled: fetching, offset commits and decoding between them.
    if (this.lastHandledAt !== undefined)
      this.logger.event('debug', 'timing', 'fetch gap', {
        stage: this.stage,
        gapMs: round1(performance.now() - this.lastHandledAt),
      });
    try {
      await this.handleFetched(messages, context);
    } finally {
      this.lastHandledAt = performance.now();
    }
  }

  private lastHandledAt: number | undefined;

  private async handleFetched(messages: readonly ReceivedMessage[], context?: BatchContext): Promise<void> {
    const bySubject = new Map<string, { subject: ArtifactRef; messages: ReceivedMessage[] }>();
    for (const message of messages) {
      const subject = this.handler.subject(message.value as TopicMap[typeof this.handler.topic]);
      const key = subjectKey(subject);
      const entry = bySubject.get(key) ?? { subject, messages: [] };
      entry.messages.push(message);
      bySubject.set(key, entry);
    }
    const queue = [...bySubject.values()];
    const lanes = Array.from({ length: Math.min(this.pool.size, queue.length) }, async () => {
      for (let next = queue.shift(); next; next = queue.shift())
        await this.handleSubject(next.subject, next.messages, context);
    });
    // Every lane runs to its end before a failure is reported, so no transaction is left behind.
    const settled = await Promise.allSettled(lanes);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Handler of the commands subscription: `baseline.refit` re-opens learning for a subject. */
  async handleCommand(message: ReceivedMessage<'damon.commands'>): Promise<void> {
    const command: BaselineCommand = message.value;
    if (command.stage !== undefined && command.stage !== this.stage) return;
    if (command.subject.kind !== this.handler.subjectKind) return;
    const reopened = await this.dataSource.transaction(async (manager) => {
      if (!(await recordProcessedOnce(manager, `${this.options.group}-commands`, command.eventId)))
        return false;
      const row = await this.store.lockSubject(manager, command.subject);
      row.phase = 'learning';
      row.referenceItems = 0;
      row.streamState = {};
      await this.store.clearReference(manager, command.subject);
      await this.store.saveSubject(manager, row);
      return true;
    });
    if (reopened) {
      this.logger.event('info', 'baseline', 'learning re-opened', {
        stage: this.stage,
        subject: command.subject,
        requestedBy: command.requestedBy,
      });
    }
  }

  /** Frees fitted detectors held in memory (those of the inline pool the engine made itself). */
  async dispose(): Promise<void> {
    if (this.ownPool) await this.pool.close();
  }

  private async handleSubject(
    subject: ArtifactRef,
    messages: ReceivedMessage[],
    context: BatchContext | undefined,
  ): Promise<void> {
    const stopTimer = this.metrics.scoringLatency.startTimer({ stage: this.stage });
    const started = performance.now();
    const outputs = await this.dataSource.transaction((manager) =>
      this.process(manager, subject, messages, context),
    );
    stopTimer();
    const { lockMs, scoreMs, outputsMs } = outputs.steps;
    // Where a subject's batch spent its time (bench:pipeline's BENCH_STEP_TIMES sums these).
    this.logger.event('debug', 'timing', 'subject batch', {
      stage: this.stage,
      events: messages.length,
      lockMs: round1(lockMs),
      scoreMs: round1(scoreMs),
      outputsMs: round1(outputsMs),
      commitMs: round1(performance.now() - started - lockMs - scoreMs - outputsMs),
    });
    const key = subjectKey(subject);
    if (outputs.fitted) {
      this.metrics.fits.inc({ stage: this.stage });
      this.logger.event('info', 'baseline', 'fitted', {
        stage: this.stage,
        subject,
        version: outputs.fitted.version,
        referenceItems: outputs.fitted.referenceItems,
      });
      this.reportUnavailable(key, subject, outputs.fitted.unavailable);
    }
    const stage = this.stage;
    this.metrics.consumed.inc({ stage }, messages.length);
    if (outputs.duplicates) this.metrics.duplicates.inc({ stage }, outputs.duplicates);
    if (outputs.scoredItems) this.metrics.scored.inc({ stage }, outputs.scoredItems);
    if (outputs.learnedItems) this.metrics.learned.inc({ stage }, outputs.learnedItems);
    for (const alert of outputs.alerts) this.metrics.alerts.inc({ stage, detector: alert.detector });
    for (const { letter, reason } of outputs.deadLetters) {
      this.metrics.deadLetter(reason);
      this.logger.event('warn', 'dead-letter', letter.reason, {
        stage,
        subject,
        offset: letter.offset,
        partition: letter.partition,
      });
    }
    const last = messages[messages.length - 1].value as { occurredAt: string };
    this.metrics.lag.set({ stage }, Math.max(0, (Date.now() - Date.parse(last.occurredAt)) / 1000));
  }

  private async process(
    manager: EntityManager,
    subject: ArtifactRef,
    messages: ReceivedMessage[],
    context: BatchContext | undefined,
  ): Promise<Outputs> {
    const out: Outputs = {
      alerts: [],
      deadLetters: [],
      scoredItems: 0,
      learnedItems: 0,
      duplicates: 0,
      steps: { lockMs: 0, scoreMs: 0, outputsMs: 0 },
    };
    const started = performance.now();
    const row = await this.store.lockSubject(manager, subject);
    const settings = mergeSettings(
      this.options.defaults,
      await this.store.settingsOverride(manager, subject),
    );
    const state = row.streamState as SubjectStreamState;
    /** Events to score once the subject is (or has just become) fitted, in order. */
    const toScore: ReceivedMessage[] = [];

    // One statement records the ids of the whole batch (they commit or roll back with its effect).
    const fresh = await recordProcessedMany(
      manager,
      this.options.group,
      messages.map((m) => (m.value as { eventId: string }).eventId),
    );
    for (const message of messages) {
      const event = message.value as TopicMap[typeof this.handler.topic];
      // An id seen before this transaction, or earlier in this same batch, is a redelivery.
      if (!fresh.delete(event.eventId)) {
        out.duplicates += 1;
        continue;
      }
      if (row.phase !== 'learning') {
        toScore.push(message);
        continue;
      }
      state.referenceTarget = settings.referenceSize;
      if (!(this.handler.trusted(event) || settings.referenceMode === 'first-n')) {
        // Still checked, so an event that is itself bad is dead-lettered rather than ignored.
        this.prepareWhileLearning(message, settings, state, out);
        continue;
      }
      const prepared = this.prepareWhileLearning(message, settings, state, out);
      if (!prepared) continue;
      // While learning, new parts (a layer, a gradient sketch first sent later) join the reference shape.
      state.shape = {
        ...state.shape,
        ...Object.fromEntries(this.handler.shape(prepared.value).map((p) => [p.key, p.dim])),
      };
      const items = this.handler.items(prepared.value);
      await this.store.appendReference(manager, row, event.eventId, items, message.raw);
      row.referenceItems += items;
      out.learnedItems += items;
      if (row.referenceItems >= settings.referenceSize)
        out.fitted = await this.fit(manager, row, subject, settings, state, context);
    }

    const vectors: FlaggedVectorRow[] = [];
    const scoring = performance.now();
    // Learning (and fitting) counts as the lock-and-idempotency step: it is not scoring.
    out.steps.lockMs = scoring - started;
    // Each scored chunk's outputs are built and published as soon as it is in, in order, while the
    // next chunk is scored: the worker does not wait for the broker's acks.
    let publishing: Promise<void> = Promise.resolve();
    const emit = (results: (RejectedEvent | ScoredEvent)[], messages: ReceivedMessage[]) => {
      const scores: ScoreBatch[] = [];
      const alerts: StageAlert[] = [];
      results.forEach((result, i) => {
        const message = messages[i];
        if ('rejected' in result) {
          out.deadLetters.push({
            letter: this.deadLetter(message, result.rejected.message),
            reason: result.rejected.kind,
          });
          return;
        }
        const event = message.value as { eventId: string; occurredAt: string };
        const input: InputRef = { eventId: event.eventId, occurredAt: event.occurredAt };
        out.scoredItems += result.items;
        for (const rows of result.outcome.scores)
          if (rows.items.length > 0) scores.push(this.outputs.scores(subject, input, rows));
        for (const draft of result.outcome.alerts) {
          const alert = this.outputs.alert(
            subject,
            [input, ...(draft.relatedInputs ?? [])],
            draft,
            settings.alpha,
          );
          alerts.push(alert);
          for (const v of draft.vectors ?? [])
            vectors.push({ alertId: alert.alertId, subjectKind: subject.kind, subjectId: subject.id, ...v });
        }
      });
      // The score batches are not kept past their publishing: nothing reads them after, and at eight
      // of 256 items an event (representations) they are much of what a transaction allocates.
      out.alerts.push(...alerts);
      // Published before the transaction commits: a crash in between replays the same inputs against
      // the same state and republishes the same ids, so nothing is lost and consumers dedupe by id.
      // Alerts only once the scores are in, chunk after chunk: an outage retried does not repeat them.
      // The bus serialises a batch when its turn comes and keeps only the bytes while they are sent.
      publishing = publishing.then(async () => {
        if (scores.length) await this.bus.publishMany('damon.scores', scores);
        if (alerts.length) await this.bus.publishMany('damon.alerts', alerts);
      });
      // Awaited below (or when scoring fails): a failed publish fails the transaction there.
      publishing.catch(() => undefined);
    };
    if (toScore.length > 0) {
      state.handler ??= {};
      try {
        await this.score(manager, row, subject, settings, state, toScore, context, emit);
      } catch (error) {
        await publishing.catch(() => undefined);
        throw error;
      }
      out.steps.scoreMs = performance.now() - scoring;
    }
    // The transaction's own rows are written while the broker acknowledges the last outputs (the
    // database and the broker are different servers); it commits only once both are done, and a
    // failure of either rolls it back after the other has settled.
    const stored = (async () => {
      // In this transaction, with the processed event ids: stored exactly once per alert.
      await storeFlaggedVectors(manager, vectors, this.options.flaggedVectorCaps);
      row.streamState = state as Record<string, unknown>;
      await this.store.saveSubject(manager, row);
    })();
    const [published, saved] = await Promise.allSettled([publishing, stored]);
    if (published.status === 'rejected') throw published.reason;
    if (saved.status === 'rejected') throw saved.reason;
    for (const { letter } of out.deadLetters) await this.bus.publish('damon.dlq', letter);
    out.steps.outputsMs = performance.now() - scoring - out.steps.scoreMs;
    return out;
  }

  /**
   * Decodes and shape-checks an event of a learning subject on this thread (learning is cheap: the
   * bytes are buffered); a rejection becomes a dead letter and undefined is returned.
   */
  private prepareWhileLearning(
    message: ReceivedMessage,
    settings: MonitorSettingsValues,
    state: SubjectStreamState,
    out: Outputs,
  ): { value: unknown } | undefined {
    try {
      const value = this.handler.prepare(message.value as never, settings);
      checkShape(this.handler.shape(value), state.shape, true);
      return { value };
    } catch (error) {
      const rejection = asRejection(error);
      if (!rejection) throw error;
      out.deadLetters.push({ letter: this.deadLetter(message, rejection.message), reason: rejection.kind });
      return undefined;
    }
  }

  /**
   * Scores the subject's events in the pool and hands the results to `emit` in event order. Events
   * that touch streaming state go in consecutive tasks (sequentialChunks), each from the stream state
   * the one before returned, and each task's results are emitted as soon as it is done, so they are
   * published while the next task is scored. A batch whose events are all independent of it
   * (`handler.independent`) is split into contiguous chunks, one per worker, scored in parallel; a
   * batch whose events all score in two steps (`handler.partial`) has its stateless parts computed so,
   * then is scored from them in order, in consecutive tasks as above. Independent events emit once.
   */
  private async score(
    manager: EntityManager,
    row: MonitorSubject,
    subject: ArtifactRef,
    settings: MonitorSettingsValues,
    state: SubjectStreamState,
    messages: ReceivedMessage[],
    context: BatchContext | undefined,
    emit: (results: (RejectedEvent | ScoredEvent)[], messages: ReceivedMessage[]) => void,
  ): Promise<void> {
    const base = {
      kind: 'score' as const,
      subject: subjectKey(subject),
      version: row.baselineVersion,
      settings,
      shape: state.shape,
      stream: state.handler ?? {},
      ...(this.handler.supervised
        ? { supervised: await deployedProbeStates(manager, subject.kind, subject.id) }
        : {}),
    };
    // Read once, whichever worker asks first (a worker that has not loaded this baseline version).
    let stored: Promise<Record<string, DetectorState>> | undefined;
    const states = () =>
      (stored ??= this.store.loadBaselines(manager, subject, row.baselineVersion).then((found) => {
        if (!found)
          throw new Error(
            `no stored baseline version ${row.baselineVersion} for ${base.subject} at stage ${this.stage}`,
          );
        return found;
      }));
    const run = async (task: ScoreTask) => {
      const result = await this.pool.run(task);
      if (!('needStates' in result)) return result;
      const loaded = await this.pool.run({ ...task, states: await states() });
      if ('needStates' in loaded) throw new Error(`the compute pool did not load ${task.subject}'s baseline`);
      return loaded;
    };
    // From the stream state as the previous task left it (consecutive chunks are scored in turn).
    const whole = async (events: ReceivedMessage[], parts?: unknown[]) => {
      const result = await keepAlive(
        run({ ...base, stream: state.handler ?? {}, events: events.map((m) => m.value), parts }),
        context,
      );
      state.handler = result.stream;
      return result.results.map(scoredOrRejected);
    };
    const split = this.parallelSplit(messages, settings);
    if (!split) {
      for (const chunk of sequentialChunks(messages)) emit(await whole(chunk), chunk);
      return;
    }
    const chunks = contiguousChunks(messages, Math.min(this.pool.size, messages.length));
    const splitAt = performance.now();
    const step = split === 'parts' ? ('parts' as const) : undefined;
    // Each chunk gets (and returns) the same stream state: independent events and parts leave it alone.
    const chunked = await keepAlive(
      Promise.all(chunks.map((chunk) => run({ ...base, step, events: chunk.map((m) => m.value) }))),
      context,
    );
    const results = chunked.flatMap((r) => r.results);
    if (split === 'independent') {
      emit(results.map(scoredOrRejected), messages);
      return;
    }
    const partsDone = performance.now();
    // Events rejected on the way stay rejected (their dead letters go out with the transaction's).
    const rejected = results.flatMap((r, i) => ('parts' in r ? [] : [i]));
    if (rejected.length > 0)
      emit(
        rejected.map((i) => scoredOrRejected(results[i])),
        rejected.map((i) => messages[i]),
      );
    // The stateful rest, in event order, from the parts: in consecutive tasks, each one's outputs
    // published while the next is scored.
    const ready = results.flatMap((r, i) => ('parts' in r ? [i] : []));
    for (const chunk of sequentialChunks(ready)) {
      const events = chunk.map((i) => messages[i]);
      emit(
        await whole(
          events,
          chunk.map((i) => (results[i] as EventParts).parts),
        ),
        events,
      );
    }
    this.logger.event('debug', 'timing', 'two-step scoring', {
      stage: this.stage,
      events: messages.length,
      chunks: chunks.length,
      partsMs: round1(partsDone - splitAt),
      wholeMs: round1(performance.now() - partsDone),
    });
  }

  /**
   * How a subject's batch may be split across the pool's workers: `independent` when every event
   * leaves the stream state alone, `parts` when every event scores in two steps, else not at all.
   */
  private parallelSplit(
    messages: ReceivedMessage[],
    settings: MonitorSettingsValues,
  ): 'independent' | 'parts' | undefined {
    if (Math.min(this.pool.size, messages.length) < 2) return undefined;
    const handler = this.handler;
    const every = (test: (event: never) => boolean | undefined) =>
      messages.every((m) => test(m.value as never) === true);
    if (every((event) => handler.independent?.(event, settings))) return 'independent';
    if (handler.scoreParts && every((event) => handler.partial?.(event, settings))) return 'parts';
    return undefined;
  }

  private async fit(
    manager: EntityManager,
    row: MonitorSubject,
    subject: ArtifactRef,
    settings: MonitorSettingsValues,
    state: SubjectStreamState,
    context: BatchContext | undefined,
  ) {
    const stored = await this.store.loadReference(manager, subject);
    const version = row.baselineVersion + 1;
    // Off this thread (minutes at large d): meanwhile it heartbeats, so the fit never costs the group.
    const { states } = await keepAlive(
      this.pool.run({
        kind: 'fit',
        subject: subjectKey(subject),
        version,
        settings,
        reference: stored.map((s) => s.payload),
        // Always one row, so a subject whose detectors are all switched off still has a baseline.
        extra: {
          _baseline: {
            referenceItems: row.referenceItems,
            referenceEvents: stored.length,
            shape: state.shape ?? {},
          },
        },
      }),
      context,
    );
    const referenceItems = row.referenceItems;
    const status = states[UNAVAILABLE_STATE_KEY] as { unavailable?: Record<string, string> } | undefined;
    row.baselineVersion = version;
    row.fitCount += 1;
    row.fittedAt = new Date();
    row.phase = 'monitoring';
    row.referenceItems = 0;
    await this.store.saveBaselines(manager, subject, row.baselineVersion, states, row.fittedAt);
    await this.store.clearReference(manager, subject);
    return { version, referenceItems, unavailable: status?.unavailable ?? {} };
  }

  /** Detectors of this subject that could not be fitted, by name, for the unavailable gauge. */
  private readonly unavailableBySubject = new Map<string, Set<string>>();

  /** A detector that cannot run says so: a warning with the reason, and the gauge by detector. */
  private reportUnavailable(key: string, subject: ArtifactRef, unavailable: Record<string, string>): void {
    const before = this.unavailableBySubject.get(key) ?? new Set<string>();
    const now = new Set(Object.keys(unavailable));
    for (const detector of before)
      if (!now.has(detector)) this.metrics.unavailable.dec({ stage: this.stage, detector });
    for (const [detector, reason] of Object.entries(unavailable)) {
      if (!before.has(detector)) this.metrics.unavailable.inc({ stage: this.stage, detector });
      this.logger.event('warn', 'baseline', 'detector cannot run', {
        stage: this.stage,
        subject,
        detector,
        reason,
      });
    }
    this.unavailableBySubject.set(key, now);
  }

  private deadLetter(message: ReceivedMessage, reason: string): DeadLetter {
    const maxOriginal = Math.floor(((LIMITS.maxMessageBytes - DEAD_LETTER_OVERHEAD_BYTES) * 3) / 4);
    const cut = message.raw.length > maxOriginal;
    return {
      schemaVersion: 1,
      failedAt: new Date().toISOString(),
      sourceTopic: message.topic,
      partition: message.partition,
      offset: message.offset,
      key: message.key,
      consumerGroup: this.options.group,
      kind: 'invalid',
      reason: cut ? `${reason} (original cut to ${maxOriginal} of ${message.raw.length} bytes)` : reason,
      attempts: 0,
      originalBase64: (cut ? message.raw.subarray(0, maxOriginal) : message.raw).toString('base64'),
    };
  }
}

/** `parts` contiguous chunks of (nearly) equal size, in order. */
/**
 * Consecutive chunks of a subject's sequential events of one fetch: up to OVERLAP_CHUNKS of at least
 * MIN_OVERLAP_CHUNK events, so that each chunk's outputs are published while the next is scored.
 */
function sequentialChunks<T>(items: T[]): T[][] {
  return contiguousChunks(
    items,
    Math.max(1, Math.min(OVERLAP_CHUNKS, Math.floor(items.length / MIN_OVERLAP_CHUNK))),
  );
}

function contiguousChunks<T>(items: T[], parts: number): T[][] {
  const size = Math.ceil(items.length / parts);
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) =>
    items.slice(i * size, (i + 1) * size),
  );
}

/** A result of a whole-event task (a parts result here would be the engine's own bug). */
function scoredOrRejected(result: RejectedEvent | ScoredEvent | EventParts): RejectedEvent | ScoredEvent {
  if ('parts' in result) throw new Error('a scoring task answered with parts where outcomes were due');
  return result;
}

function round1(ms: number): number {
  return Math.round(ms * 10) / 10;
}

export function subjectKey(subject: ArtifactRef): string {
  return `${subject.kind}/${subject.id}`;
}

/** Awaits `work`, heartbeating every KEEP_ALIVE_MS meanwhile (errors there surface at the next commit). */
async function keepAlive<T>(work: Promise<T>, context: BatchContext | undefined): Promise<T> {
  if (!context) return work;
  const timer = setInterval(() => void context.heartbeat().catch(() => undefined), KEEP_ALIVE_MS);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}
