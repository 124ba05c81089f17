import type { Topic, TopicMap } from '@damon/contracts';

/** A message as a consumer receives it: validated payload plus where it came from. */
export interface ReceivedMessage<T extends Topic = Topic> {
  topic: T;
  partition: number;
  /** Kafka offset as a decimal string. */
  offset: string;
  key: string | null;
  value: TopicMap[T];
  /** The original bytes, for dead-lettering and idempotency keys. */
  raw: Buffer;
  /** 1 on first delivery to this handler, then 2, 3, … on in-process retries. */
  attempt: number;
}

export interface RetryPolicy {
  /**
   * Handler attempts per message (or batch) before it is dead-lettered. Failures of our own
   * infrastructure (database or broker unreachable) are not counted: they are retried with the same
   * capped backoff until the dependency returns, and never dead-letter the message.
   */
  attempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, initialBackoffMs: 100, maxBackoffMs: 5_000 };

interface SubscribeBase<T extends Topic> {
  /** Consumer group: members of one group split the partitions; each group sees every message. */
  group: string;
  topics: readonly T[];
  /**
   * Where a group with no committed offset starts: the oldest retained message (true, the
   * default), or the end of each partition as of `subscribe()` (false): every message published
   * after `subscribe()` resolved is then delivered, none before.
   */
  fromBeginning?: boolean;
  retry?: Partial<RetryPolicy>;
}

/**
 * At-least-once delivery: the offset of a message is committed only after its handler resolved
 * (or after it was dead-lettered). Messages that fail validation never reach the handler; they go
 * to `damon.dlq` with the reason and the original bytes, and consumption goes on.
 */
export interface SubscribeEach<T extends Topic> extends SubscribeBase<T> {
  handler: (message: ReceivedMessage<T>) => Promise<void>;
}

/**
 * Batch mode for throughput: the handler gets the valid messages of one fetched batch of one
 * partition, in order; offsets are committed after it resolves. A batch that keeps failing is
 * retried message by message, so only the messages that themselves fail are dead-lettered.
 */
export interface SubscribeBatch<T extends Topic> extends SubscribeBase<T> {
  batchHandler: (messages: ReceivedMessage<T>[], context: BatchContext) => Promise<void>;
  /**
   * Most messages (default 500) and bytes (default 16 MiB) handed to one handler call. A fetched
   * batch is processed in such chunks, each committed, with a heartbeat between them, so a huge
   * fetch (tens of thousands of small messages) never outlives the consumer's session.
   */
  maxBatchMessages?: number;
  maxBatchBytes?: number;
  /**
   * Kafka: fetch a partition's next batch while this one is processed (one fetch ahead), so the
   * handler does not wait for the broker between batches. Offsets are still committed only after the
   * work; when a batch fails or the member must let go of the partition, its first unfinished record
   * is fetched again. Ignored by the in-memory bus. Default false.
   */
  readAhead?: boolean;
}

/** What a batch handler may call while it works. */
export interface BatchContext {
  /**
   * Tells the group coordinator this member is alive (Kafka; throttled to the heartbeat interval, a
   * no-op in process). A handler that awaits long work elsewhere (a worker thread) calls it meanwhile.
   */
  heartbeat(): Promise<void>;
}

export const DEFAULT_MAX_BATCH_MESSAGES = 500;
export const DEFAULT_MAX_BATCH_BYTES = 16 * 1024 * 1024;

export type SubscribeOptions<T extends Topic> = SubscribeEach<T> | SubscribeBatch<T>;

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** What one subscription reports about its consumer, for readiness and liveness probes. */
export interface SubscriptionHealth {
  group: string;
  topics: string[];
  /** A member of its group holding an assignment (possibly empty: more members than partitions). */
  joined: boolean;
  assignedPartitions: number;
  /**
   * Messages between the consumer's position and the end of its partitions: as of the last fetched
   * batch of each partition on Kafka (undefined before the first), exact on the in-process bus.
   */
  lag: number | undefined;
  /** Times this member joined its group (kafkajs GROUP_JOIN; Kafka only): 1 while nothing rebalanced. */
  groupJoins?: number;
  /** Rebalances this member took part in (kafkajs REBALANCING; Kafka only). */
  rebalances?: number;
  /** Since the coordinator last acknowledged this member (Kafka only). */
  sinceHeartbeatMs?: number;
  /** With readAhead (Kafka only): batches that were fetched while the one before them was still processed. */
  fetchedAhead?: number;
  /** The last crash the consumer restarted from, if any since it last joined. */
  lastCrash?: string;
  /** The consumer crashed and will not restart: only a new process brings it back. */
  failed?: string;
  stopped: boolean;
}

export interface Subscription {
  /** The consumer as it stands now: membership, assignment, lag, crashes. */
  health(): SubscriptionHealth;
  /**
   * Resolves once this member has joined its group and received its first assignment (possibly
   * empty when the group has more members than partitions).
   */
  readonly ready: Promise<void>;
  /** The partitions this member owns right now (changes on every rebalance). */
  assignment(): TopicPartition[];
  /**
   * Finishes the message or batch in hand, commits, and leaves the group. A message still waiting
   * for a retry is not finished: it stays uncommitted, and the member that takes the partition over
   * receives it again.
   */
  stop(): Promise<void>;
}

export interface PublishOptions {
  /** Overrides the event's partition key. */
  key?: string;
}

export interface Bus {
  /** Creates topics that do not exist yet (idempotent). */
  ensureTopics(topics: readonly Topic[], partitions?: number): Promise<void>;
  /** Validates the payload against its topic's schema, then publishes it keyed by its partition key. */
  publish<T extends Topic>(topic: T, payload: TopicMap[T], options?: PublishOptions): Promise<void>;
  /**
   * Validated publish of many payloads of one topic in one request. The payloads are validated and
   * serialised before it returns and not referenced after: only their bytes wait for the send.
   */
  publishMany<T extends Topic>(topic: T, payloads: readonly TopicMap[T][]): Promise<void>;
  /** Publishes bytes as they are, unvalidated: for bridges and tests of bad input. */
  publishRaw(topic: string, value: Buffer | string, key?: string | null): Promise<void>;
  subscribe<T extends Topic>(options: SubscribeOptions<T>): Promise<Subscription>;
  /** Every open subscription's health (see busHealthChecks for the probes built on it). */
  health(): SubscriptionHealth[];
  close(): Promise<void>;
}

/** Raised by `publish` when a payload fails its topic's schema. */
export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError';
  constructor(
    readonly topic: string,
    readonly reason: string,
  ) {
    super(`invalid ${topic} event: ${reason}`);
  }
}

/** Raised by the publish methods when one encoded message exceeds `LIMITS.maxMessageBytes`. */
export class MessageTooLargeError extends Error {
  override readonly name = 'MessageTooLargeError';
  constructor(
    readonly topic: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(
      `message for ${topic} is ${bytes} bytes, over the limit of ${limit} bytes (LIMITS.maxMessageBytes)`,
    );
  }
}
