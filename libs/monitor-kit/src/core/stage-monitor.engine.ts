import type { BaselineCommand, DeadLetter, ScoreBatch, StageAlert, TopicMap } from '@damon/contracts';
import { LIMITS, VectorCodecError, type ArtifactRef } from '@damon/contracts';
import type { Bus, ReceivedMessage } from '@damon/bus';
import type { JsonLogger } from '@damon/observability';
import { recordProcessedOnce, type MonitorSubject } from '@damon/persistence';
import type { DataSource, EntityManager } from 'typeorm';
import { BaselineStore } from './baseline-store';
import { mergeSettings, type MonitorSettingsValues } from './monitor-settings';
import type { MonitorMetrics } from './monitor-metrics';
import { OutputBuilder, type InputRef } from './output-builder';
import { RejectedInputError, type RejectionKind } from './rejected-input.error';
import type { AnyStageHandler, DetectorState, ShapePart, StreamState } from './stage-handler';

export interface EngineOptions {
  /** Consumer group of the telemetry subscription; also the idempotency scope in processed_events. */
  group: string;
  defaults: MonitorSettingsValues;
}

/** What the kit keeps in monitor_subjects.stream_state: the reference shape and the handler's own state. */
interface SubjectStreamState {
  shape?: Record<string, number>;
  /** Reference items the subject needs before its fit (N of "n of N"), for the subject status. */
  referenceTarget?: number;
  handler?: StreamState;
}

interface Outputs {
  alerts: StageAlert[];
  scores: ScoreBatch[];
  deadLetters: { letter: DeadLetter; reason: RejectionKind }[];
  scoredItems: number;
  learnedItems: number;
  duplicates: number;
  fitted?: { version: number; fitted: unknown; referenceItems: number; unavailable: Record<string, string> };
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
  /** Fitted detectors in memory, by subject, tagged with the baseline version they came from. */
  private readonly cache = new Map<string, { version: number; fitted: unknown }>();

  constructor(
    private readonly handler: AnyStageHandler,
    private readonly dataSource: DataSource,
    private readonly bus: Bus,
    private readonly metrics: MonitorMetrics,
    private readonly logger: JsonLogger,
    private readonly options: EngineOptions,
  ) {
    this.store = new BaselineStore(handler.stage);
    this.outputs = new OutputBuilder(handler.stage, () => options.defaults.alpha);
  }

  get stage() {
    return this.handler.stage;
  }

  /** Batch handler of the telemetry subscription: the messages of one partition, in order. */
  async handleTelemetry(messages: readonly ReceivedMessage[]): Promise<void> {
    const bySubject = new Map<string, { subject: ArtifactRef; messages: ReceivedMessage[] }>();
    for (const message of messages) {
      const subject = this.handler.subject(message.value as TopicMap[typeof this.handler.topic]);
      const key = subjectKey(subject);
      const entry = bySubject.get(key) ?? { subject, messages: [] };
      entry.messages.push(message);
      bySubject.set(key, entry);
    }
    for (const { subject, messages: own } of bySubject.values()) await this.handleSubject(subject, own);
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
      this.evict(subjectKey(command.subject));
      this.logger.event('info', 'baseline', 'learning re-opened', {
        stage: this.stage,
        subject: command.subject,
        requestedBy: command.requestedBy,
      });
    }
  }

  /** Frees fitted detectors held in memory. */
  dispose(): void {
    for (const key of [...this.cache.keys()]) this.evict(key);
  }

  private async handleSubject(subject: ArtifactRef, messages: ReceivedMessage[]): Promise<void> {
    const stopTimer = this.metrics.scoringLatency.startTimer({ stage: this.stage });
    const outputs = await this.dataSource.transaction((manager) => this.process(manager, subject, messages));
    stopTimer();
    const key = subjectKey(subject);
    if (outputs.fitted) {
      this.evict(key);
      this.cache.set(key, { version: outputs.fitted.version, fitted: outputs.fitted.fitted });
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
  ): Promise<Outputs> {
    const out: Outputs = {
      alerts: [],
      scores: [],
      deadLetters: [],
      scoredItems: 0,
      learnedItems: 0,
      duplicates: 0,
    };
    const row = await this.store.lockSubject(manager, subject);
    const settings = mergeSettings(
      this.options.defaults,
      await this.store.settingsOverride(manager, subject),
    );
    const state = row.streamState as SubjectStreamState;
    let fitted: unknown;

    for (const message of messages) {
      const event = message.value as TopicMap[typeof this.handler.topic];
      if (!(await recordProcessedOnce(manager, this.options.group, event.eventId))) {
        out.duplicates += 1;
        continue;
      }
      let prepared: unknown;
      try {
        prepared = this.handler.prepare(event, settings);
        // While learning, new parts (a layer, a gradient sketch first sent later) join the reference shape.
        checkShape(this.handler.shape(prepared), state.shape, row.phase === 'learning');
      } catch (error) {
        const rejection = asRejection(error);
        if (!rejection) throw error;
        out.deadLetters.push({ letter: this.deadLetter(message, rejection.message), reason: rejection.kind });
        continue;
      }
      const input: InputRef = { eventId: event.eventId, occurredAt: event.occurredAt };

      if (row.phase === 'learning') {
        state.referenceTarget = settings.referenceSize;
        if (!(this.handler.trusted(event) || settings.referenceMode === 'first-n')) continue;
        state.shape = {
          ...state.shape,
          ...Object.fromEntries(this.handler.shape(prepared).map((p) => [p.key, p.dim])),
        };
        const items = this.handler.items(prepared);
        await this.store.appendReference(manager, row, event.eventId, items, message.raw);
        row.referenceItems += items;
        out.learnedItems += items;
        if (row.referenceItems >= settings.referenceSize) {
          out.fitted = await this.fit(manager, row, subject, settings, state);
          fitted = out.fitted.fitted;
        }
        continue;
      }

      fitted ??= await this.loadFitted(manager, row, subject);
      state.handler ??= {};
      const outcome = this.handler.score(prepared, fitted, settings, state.handler);
      out.scoredItems += this.handler.items(prepared);
      for (const rows of outcome.scores)
        if (rows.items.length > 0) out.scores.push(this.outputs.scores(subject, input, rows));
      for (const draft of outcome.alerts)
        out.alerts.push(
          this.outputs.alert(subject, [input, ...(draft.relatedInputs ?? [])], draft, settings.alpha),
        );
    }

    row.streamState = state as Record<string, unknown>;
    await this.store.saveSubject(manager, row);
    // Published before the transaction commits: a crash in between replays the same inputs against
    // the same state and republishes the same ids, so nothing is lost and consumers dedupe by id.
    if (out.scores.length) await this.bus.publishMany('damon.scores', out.scores);
    if (out.alerts.length) await this.bus.publishMany('damon.alerts', out.alerts);
    for (const { letter } of out.deadLetters) await this.bus.publish('damon.dlq', letter);
    return out;
  }

  private async fit(
    manager: EntityManager,
    row: MonitorSubject,
    subject: ArtifactRef,
    settings: MonitorSettingsValues,
    state: SubjectStreamState,
  ) {
    const stored = await this.store.loadReference(manager, subject);
    const reference = stored.map((s) =>
      this.handler.prepare(JSON.parse(s.payload.toString('utf8')) as never, settings),
    );
    const states: Record<string, DetectorState> = {
      ...this.handler.fit(reference, settings),
      // Always one row, so a subject whose detectors are all switched off still has a baseline.
      _baseline: {
        referenceItems: row.referenceItems,
        referenceEvents: stored.length,
        shape: state.shape ?? {},
      },
    };
    const referenceItems = row.referenceItems;
    const status = states[UNAVAILABLE_STATE_KEY] as { unavailable?: Record<string, string> } | undefined;
    row.baselineVersion += 1;
    row.fitCount += 1;
    row.fittedAt = new Date();
    row.phase = 'monitoring';
    row.referenceItems = 0;
    await this.store.saveBaselines(manager, subject, row.baselineVersion, states, row.fittedAt);
    await this.store.clearReference(manager, subject);
    return {
      version: row.baselineVersion,
      fitted: this.handler.load(states),
      referenceItems,
      unavailable: status?.unavailable ?? {},
    };
  }

  private async loadFitted(
    manager: EntityManager,
    row: MonitorSubject,
    subject: ArtifactRef,
  ): Promise<unknown> {
    const key = subjectKey(subject);
    const cached = this.cache.get(key);
    if (cached && cached.version === row.baselineVersion) return cached.fitted;
    const states = await this.store.loadBaselines(manager, subject, row.baselineVersion);
    if (!states)
      throw new Error(`no stored baseline version ${row.baselineVersion} for ${key} at stage ${this.stage}`);
    this.evict(key);
    const fitted = this.handler.load(states);
    this.cache.set(key, { version: row.baselineVersion, fitted });
    return fitted;
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

  private evict(key: string): void {
    const cached = this.cache.get(key);
    if (cached) this.handler.dispose?.(cached.fitted);
    this.cache.delete(key);
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

export function subjectKey(subject: ArtifactRef): string {
  return `${subject.kind}/${subject.id}`;
}

/** Rejects a part of another width than the reference's, and (once fitted) one the reference never had. */
function checkShape(
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

function asRejection(error: unknown): RejectedInputError | undefined {
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
