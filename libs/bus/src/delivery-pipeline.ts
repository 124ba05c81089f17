import { setTimeout as sleep } from 'node:timers/promises';
import type { DeadLetter, Topic, TopicMap } from '@damon/contracts';
import { JsonLogger } from '@damon/observability';
import {
  DEFAULT_MAX_BATCH_BYTES,
  DEFAULT_MAX_BATCH_MESSAGES,
  DEFAULT_RETRY,
  type BatchContext,
  type ReceivedMessage,
  type RetryPolicy,
  type SubscribeOptions,
} from './bus';
import { buildDeadLetter, decodeEvent, errorMessage, isDeadLetterTopic, type RawRecord } from './event-codec';
import { isInfrastructureError } from './infrastructure-error';

/**
 * Where the bus reports what it drops or dead-letters, and (through kafkajs's logCreator) what the
 * Kafka client itself logs; the process's JSON logger (context `bus`) by default.
 */
export interface BusLogger {
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  info?(message: string, fields?: Record<string, unknown>): void;
  debug?(message: string, fields?: Record<string, unknown>): void;
}

export const SILENT_LOGGER: BusLogger = { warn: () => undefined, error: () => undefined };

/** The default bus logger: JSON lines at LOG_LEVEL info, context `bus`. */
export function defaultBusLogger(): BusLogger {
  return new JsonLogger('info').forContext('bus');
}

/** What stays the same for the life of a subscription. */
export interface DeliveryContext {
  logger: BusLogger;
  /** Publishes one dead letter to `damon.dlq`. */
  deadLetter(letter: DeadLetter): Promise<void>;
  /** Aborts a pending backoff when the member stops. */
  signal: AbortSignal;
  /** Told how long each batch handler call that succeeded took (metrics). */
  onBatchHandled?: BatchObserver;
}

/** Observes each successful batch handler call: its group, message count and duration in seconds. */
export type BatchObserver = (group: string, messages: number, seconds: number) => void;

/** How one run over records of one partition reports progress and learns it must stop. */
export interface PartitionScope {
  /** Marks `record` and everything before it in its partition as done (commits `offset + 1`). */
  commit(record: RawRecord): Promise<void>;
  /** True when the member must let go of the partition (stopping, rebalanced away). */
  mustYield(): boolean;
  /** Called between messages: Kafka heartbeats here so a long batch does not cost the assignment. */
  between?(): Promise<void>;
}

export function retryPolicy(overrides: Partial<RetryPolicy> | undefined): RetryPolicy {
  const policy = { ...DEFAULT_RETRY, ...overrides };
  if (!Number.isInteger(policy.attempts) || policy.attempts < 1) {
    throw new Error(`retry.attempts must be a positive integer, got ${policy.attempts}`);
  }
  return policy;
}

/** Exponential backoff before attempt `attempt + 1`: initial · 2^(attempt-1), capped. */
export function backoffMs(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** (attempt - 1));
}

/**
 * The one consumer-side path both buses share: parse and validate, hand valid messages to the
 * handler with retries, dead-letter what is invalid or keeps failing, and commit only after a
 * message is finished, so the partition always moves on and nothing is committed unhandled.
 *
 * A failure of our own infrastructure (database or broker unreachable, see isInfrastructureError)
 * is not the message's fault: the partition waits on it (exponential backoff capped at
 * maxBackoffMs, heartbeating) for as long as the outage lasts, and such failures count toward
 * neither the retry attempts nor the dead-letter queue.
 */
export class DeliveryPipeline<T extends Topic> {
  private readonly policy: RetryPolicy;

  constructor(
    private readonly options: SubscribeOptions<T>,
    private readonly context: DeliveryContext,
  ) {
    this.policy = retryPolicy(options.retry);
  }

  /**
   * Processes records of one partition, in order. Returns how many were finished (handled or
   * dead-lettered, and committed); the rest stay uncommitted for whoever owns the partition next.
   */
  async process(records: readonly RawRecord[], scope: PartitionScope): Promise<number> {
    if (!('batchHandler' in this.options)) return this.processEach(records, scope, this.options.handler);
    const { batchHandler } = this.options;
    let finished = 0;
    for (const chunk of chunks(records, this.maxBatchMessages, this.maxBatchBytes)) {
      const done = await this.processBatch(chunk, scope, batchHandler);
      finished += done;
      if (done < chunk.length) break;
      // Between chunks: the heartbeat that keeps a long fetched batch from costing the assignment.
      await scope.between?.();
    }
    return finished;
  }

  private get maxBatchMessages(): number {
    return (
      ('maxBatchMessages' in this.options && this.options.maxBatchMessages) || DEFAULT_MAX_BATCH_MESSAGES
    );
  }

  private get maxBatchBytes(): number {
    return ('maxBatchBytes' in this.options && this.options.maxBatchBytes) || DEFAULT_MAX_BATCH_BYTES;
  }

  private async processEach(
    records: readonly RawRecord[],
    scope: PartitionScope,
    handler: (message: ReceivedMessage<T>) => Promise<void>,
  ): Promise<number> {
    let finished = 0;
    for (const record of records) {
      if (scope.mustYield()) break;
      const decoded = decodeEvent(record.topic as T, record.value);
      if (decoded.ok) {
        const outcome = await this.withRetries(record, scope, (attempt) =>
          handler(this.received(record, decoded.value, attempt)),
        );
        if (outcome === 'abandoned') break;
      } else {
        await this.sendToDeadLetters(record, 'invalid', decoded.reason, 0);
      }
      await scope.commit(record);
      finished += 1;
      await scope.between?.();
    }
    return finished;
  }

  private async processBatch(
    records: readonly RawRecord[],
    scope: PartitionScope,
    batchHandler: (messages: ReceivedMessage<T>[], context: BatchContext) => Promise<void>,
  ): Promise<number> {
    if (records.length === 0 || scope.mustYield()) return 0;
    const batchContext: BatchContext = { heartbeat: async () => scope.between?.() };
    const valid: { record: RawRecord; value: TopicMap[T] }[] = [];
    for (const record of records) {
      const decoded = decodeEvent(record.topic as T, record.value);
      if (decoded.ok) valid.push({ record, value: decoded.value });
      else await this.sendToDeadLetters(record, 'invalid', decoded.reason, 0);
    }
    const last = records[records.length - 1];
    if (valid.length === 0) {
      await scope.commit(last);
      return records.length;
    }

    // The whole batch first; when it keeps failing, message by message, so only the messages that
    // themselves fail are dead-lettered.
    let attempt = 0;
    let delivery = 0;
    let outage = 0;
    while (attempt < this.policy.attempts) {
      delivery += 1;
      try {
        const started = performance.now();
        await batchHandler(
          valid.map(({ record, value }) => this.received(record, value, delivery)),
          batchContext,
        );
        this.context.onBatchHandled?.(this.options.group, valid.length, (performance.now() - started) / 1000);
        await scope.commit(last);
        return records.length;
      } catch (error) {
        if (isInfrastructureError(error)) {
          outage += 1;
          this.reportOutage(`batch of ${valid.length} from ${last.topic}/${last.partition}`, outage, error);
          if (!(await this.pause(outage, scope))) return 0;
          await scope.between?.();
          continue;
        }
        outage = 0;
        attempt += 1;
        this.context.logger.warn(
          `[bus] ${this.options.group}: batch of ${valid.length} failed (attempt ${attempt}): ${errorMessage(error)}`,
        );
        if (attempt < this.policy.attempts && !(await this.pause(attempt, scope))) return 0;
      }
      await scope.between?.();
    }

    let finished = 0;
    const validByOffset = new Map(valid.map((v) => [v.record.offset, v.value]));
    for (const record of records) {
      if (scope.mustYield()) break;
      const value = validByOffset.get(record.offset);
      if (value !== undefined) {
        const outcome = await this.withRetries(record, scope, (n) =>
          batchHandler([this.received(record, value, n)], batchContext),
        );
        if (outcome === 'abandoned') break;
      }
      await scope.commit(record);
      finished += 1;
      await scope.between?.();
    }
    return finished;
  }

  /** Runs `run` up to the policy's attempts; dead-letters the record when every attempt failed. */
  private async withRetries(
    record: RawRecord,
    scope: PartitionScope,
    run: (attempt: number) => Promise<void>,
  ): Promise<'done' | 'abandoned'> {
    let reason = '';
    let attempt = 0; // failures of the handler, which count toward dead-lettering
    let delivery = 0;
    let outage = 0; // consecutive failures of our infrastructure, which never do
    while (attempt < this.policy.attempts) {
      delivery += 1;
      try {
        await run(delivery);
        return 'done';
      } catch (error) {
        if (isInfrastructureError(error)) {
          outage += 1;
          this.reportOutage(`${record.topic}/${record.partition}@${record.offset}`, outage, error);
          if (!(await this.pause(outage, scope))) return 'abandoned';
          await scope.between?.();
          continue;
        }
        outage = 0;
        attempt += 1;
        reason = errorMessage(error);
        this.context.logger.warn(
          `[bus] ${this.options.group}: handler failed on ${record.topic}/${record.partition}@${record.offset} (attempt ${attempt}/${this.policy.attempts}): ${reason}`,
        );
      }
      if (attempt < this.policy.attempts) {
        if (!(await this.pause(attempt, scope))) return 'abandoned';
        await scope.between?.();
      }
    }
    await this.sendToDeadLetters(
      record,
      'failed',
      `handler failed ${this.policy.attempts} times: ${reason}`,
      this.policy.attempts,
    );
    return 'done';
  }

  /** The first failure of an outage as a warning, then every tenth, so a long outage does not flood the log. */
  private reportOutage(what: string, outage: number, error: unknown): void {
    if (outage !== 1 && outage % 10 !== 0) return;
    this.context.logger.warn(
      `[bus] ${this.options.group}: dependency unavailable on ${what} (try ${outage}, waiting ${backoffMs(this.policy, outage)} ms, not dead-lettered): ${errorMessage(error)}`,
    );
  }

  /** Waits out the backoff; false when the member must let go meanwhile (the record stays uncommitted). */
  private async pause(attempt: number, scope: PartitionScope): Promise<boolean> {
    try {
      await sleep(backoffMs(this.policy, attempt), undefined, { signal: this.context.signal });
    } catch {
      return false;
    }
    return !scope.mustYield();
  }

  private async sendToDeadLetters(
    record: RawRecord,
    kind: DeadLetter['kind'],
    reason: string,
    attempts: number,
  ): Promise<void> {
    if (isDeadLetterTopic(record.topic)) {
      // Dead-lettering a dead letter would loop forever: report it and move on.
      this.context.logger.error(
        `[bus] ${this.options.group}: dropped ${kind} dead letter ${record.partition}@${record.offset}: ${reason}`,
      );
      return;
    }
    this.context.logger.warn(
      `[bus] ${this.options.group}: ${record.topic}/${record.partition}@${record.offset} → damon.dlq (${kind}): ${reason}`,
    );
    await this.context.deadLetter(buildDeadLetter(record, this.options.group, kind, reason, attempts));
  }

  private received(record: RawRecord, value: TopicMap[T], attempt: number): ReceivedMessage<T> {
    return {
      topic: record.topic as T,
      partition: record.partition,
      offset: record.offset,
      key: record.key,
      value,
      raw: record.value,
      attempt,
    };
  }
}

/** Consecutive runs of at most `maxMessages` records and (unless one record alone exceeds it) `maxBytes`. */
export function chunks(records: readonly RawRecord[], maxMessages: number, maxBytes: number): RawRecord[][] {
  const out: RawRecord[][] = [];
  let current: RawRecord[] = [];
  let bytes = 0;
  for (const record of records) {
    if (current.length > 0 && (current.length >= maxMessages || bytes + record.value.length > maxBytes)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(record);
    bytes += record.value.length;
  }
  if (current.length > 0) out.push(current);
  return out;
}
