import type { Topic } from '@damon/contracts';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { SubscribeOptions, Subscription, SubscriptionHealth, TopicPartition } from './bus';
import { DeliveryPipeline, type DeliveryContext, type PartitionScope } from './delivery-pipeline';
import { errorMessage, type RawRecord } from './event-codec';

const KAFKAJS_DEFAULT_MAX_BYTES = 10 * 1024 * 1024;

/** Consumer settings; the defaults are kafkajs's, tests shorten them so rebalances take ~1 s. */
export interface KafkaConsumerTuning {
  sessionTimeout?: number;
  rebalanceTimeout?: number;
  heartbeatInterval?: number;
  /** Longest a fetch waits for data; also bounds how fast an idle member notices a rebalance. */
  maxWaitTimeInMs?: number;
  maxBytesPerPartition?: number;
  /**
   * Bytes one fetch may bring over all partitions. kafkajs defaults it to 10 MB, which silently caps
   * a larger maxBytesPerPartition; unset, it follows maxBytesPerPartition (never below 10 MB).
   */
  maxBytes?: number;
  /** Partitions processed in parallel by one member (each still in order). Default 1. */
  partitionsConsumedConcurrently?: number;
}

/**
 * One `subscribe()` on Kafka: its own kafkajs consumer with auto-commit off. Every message (or
 * batch) is committed explicitly once the handler resolved or the message was dead-lettered; a
 * message still waiting for a retry when the member stops is left uncommitted for the next owner.
 */
export class KafkaSubscription<T extends Topic> implements Subscription {
  readonly ready: Promise<void>;
  private markReady: () => void = () => undefined;
  private assigned: TopicPartition[] = [];
  private readonly consumer: Consumer;
  private readonly abort = new AbortController();
  private readonly pipeline: DeliveryPipeline<T>;
  private stopping: Promise<void> | undefined;
  private joined = false;
  private lastHeartbeat = Date.now();
  private groupJoins = 0;
  private rebalances = 0;
  private lastCrash: string | undefined;
  private failed: string | undefined;
  /** Lag of each partition as of its last fetched batch, by `topic/partition`. */
  private readonly lagByPartition = new Map<string, number>();
  /** With readAhead: the batch of each partition still processed after its eachBatch returned. */
  private readonly runs = new Map<string, { done: boolean; outcome: Promise<{ error?: Error }> }>();
  private fetchedAhead = 0;

  constructor(
    kafka: Kafka,
    private readonly options: SubscribeOptions<T>,
    private readonly context: Omit<DeliveryContext, 'signal'>,
    private readonly tuning: KafkaConsumerTuning,
  ) {
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    this.pipeline = new DeliveryPipeline(options, { ...context, signal: this.abort.signal });
    this.consumer = kafka.consumer({
      groupId: options.group,
      sessionTimeout: tuning.sessionTimeout,
      rebalanceTimeout: tuning.rebalanceTimeout,
      heartbeatInterval: tuning.heartbeatInterval,
      maxWaitTimeInMs: tuning.maxWaitTimeInMs,
      maxBytesPerPartition: tuning.maxBytesPerPartition,
      maxBytes: tuning.maxBytes ?? Math.max(KAFKAJS_DEFAULT_MAX_BYTES, tuning.maxBytesPerPartition ?? 0),
      allowAutoTopicCreation: false,
    });
    // kafkajs's instrumentation events are the truth about membership: /healthz reads them.
    const { GROUP_JOIN, REBALANCING, CRASH, HEARTBEAT, STOP, DISCONNECT } = this.consumer.events;
    this.consumer.on(GROUP_JOIN, (event) => {
      this.assigned = Object.entries(event.payload.memberAssignment).flatMap(([topic, partitions]) =>
        partitions.map((partition) => ({ topic, partition })),
      );
      this.joined = true;
      this.groupJoins += 1;
      this.lastHeartbeat = Date.now();
      this.lastCrash = undefined;
      this.markReady();
    });
    this.consumer.on(HEARTBEAT, () => {
      this.lastHeartbeat = Date.now();
    });
    this.consumer.on(REBALANCING, () => {
      this.rebalances += 1;
      this.assigned = [];
      this.joined = false;
    });
    for (const gone of [STOP, DISCONNECT]) {
      this.consumer.on(gone, () => {
        this.assigned = [];
        this.joined = false;
      });
    }
    this.consumer.on(CRASH, (event) => {
      const { error, restart } = event.payload;
      this.joined = false;
      this.assigned = [];
      if (restart) this.lastCrash = errorMessage(error);
      else this.failed = errorMessage(error);
      this.context.logger.error(
        `[bus] ${options.group}: consumer crashed (${restart ? 'restarting' : 'not restarting'}): ${errorMessage(error)}`,
      );
    });
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({
      topics: [...this.options.topics],
      fromBeginning: this.options.fromBeginning ?? true,
    });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.tuning.partitionsConsumedConcurrently ?? 1,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  assignment(): TopicPartition[] {
    return this.assigned.map((p) => ({ ...p }));
  }

  health(): SubscriptionHealth {
    const owned = this.assigned.map(({ topic, partition }) =>
      this.lagByPartition.get(`${topic}/${partition}`),
    );
    return {
      group: this.options.group,
      topics: [...this.options.topics],
      joined: this.joined,
      assignedPartitions: this.assigned.length,
      lag: owned.some((l) => l === undefined) ? undefined : owned.reduce<number>((a, l) => a + (l ?? 0), 0),
      groupJoins: this.groupJoins,
      rebalances: this.rebalances,
      sinceHeartbeatMs: Date.now() - this.lastHeartbeat,
      ...('batchHandler' in this.options && this.options.readAhead
        ? { fetchedAhead: this.fetchedAhead }
        : {}),
      ...(this.lastCrash ? { lastCrash: this.lastCrash } : {}),
      ...(this.failed ? { failed: this.failed } : {}),
      stopped: this.stopping !== undefined,
    };
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.abort.abort();
      // The read-ahead runs yield at their next record; what they leave is committed to nobody.
      await Promise.all([...this.runs.values()].map((run) => run.outcome));
      // disconnect() waits for the batch in hand, then leaves the group so the others rebalance at once.
      await this.consumer.disconnect();
      this.assigned = [];
    })();
    return this.stopping;
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const { topic, partition } = batch;
    const records: RawRecord[] = batch.messages.map((message) => ({
      topic,
      partition,
      offset: message.offset,
      key: message.key ? message.key.toString('utf8') : null,
      value: message.value ?? Buffer.alloc(0),
    }));
    if (!('batchHandler' in this.options && this.options.readAhead)) {
      await this.pipeline.process(records, this.scope(payload));
      return;
    }
    const key = `${topic}/${partition}`;
    const run = this.runs.get(key);
    if (run && !run.done) this.fetchedAhead += 1;
    const previous = await run?.outcome;
    this.runs.delete(key);
    // The batch before failed: its unfinished records are already sought back to (run), and kafkajs
    // hears of the failure as it would have without read-ahead.
    if (previous?.error !== undefined) throw previous.error;
    if (records.length === 0 || this.abort.signal.aborted || !payload.isRunning() || payload.isStale())
      return;
    // Moving the fetch position past this batch now lets kafkajs fetch the next one while this one is
    // processed; the commits still follow the work, record by record.
    payload.resolveOffset(records[records.length - 1].offset);
    const started = { done: false, outcome: this.run(payload, records) };
    started.outcome = started.outcome.finally(() => (started.done = true));
    this.runs.set(key, started);
  }

  /**
   * Processes a read-ahead batch after its eachBatch returned. What it leaves unfinished (a failure, a
   * lost assignment, a stop) is sought back to, so that the next fetch of the partition brings it again.
   */
  private async run(payload: EachBatchPayload, records: RawRecord[]): Promise<{ error?: Error }> {
    const { topic, partition } = payload.batch;
    let next = records[0].offset;
    // The fetch position is past this batch already: committing must not move it back.
    const scope = this.scope(payload, { readAhead: true, alsoYield: () => !this.owns(topic, partition) });
    try {
      await this.pipeline.process(records, {
        ...scope,
        commit: async (record) => {
          await scope.commit(record);
          next = (BigInt(record.offset) + 1n).toString();
        },
      });
      if (BigInt(next) > BigInt(records[records.length - 1].offset)) return {};
      this.seekBack(topic, partition, next, 'left unfinished');
      return {};
    } catch (error) {
      this.seekBack(topic, partition, next, errorMessage(error));
      return { error: error instanceof Error ? error : new Error(errorMessage(error)) };
    }
  }

  private seekBack(topic: string, partition: number, offset: string, why: string): void {
    // Stopping, or no longer the owner: the next owner starts from the last commit.
    if (this.abort.signal.aborted || !this.owns(topic, partition)) return;
    this.context.logger.warn(
      `[bus] ${this.options.group}: ${topic}/${partition} from ${offset} again (${why})`,
    );
    this.consumer.seek({ topic, partition, offset });
  }

  private owns(topic: string, partition: number): boolean {
    return this.assigned.some((p) => p.topic === topic && p.partition === partition);
  }

  /**
   * How the delivery pipeline commits, heartbeats and learns to stop, for one fetched batch. Without
   * read-ahead a commit also resolves the record, which moves kafkajs's fetch position to it; a
   * read-ahead batch resolved its end before it started, and resolving an earlier record would move
   * the position back (kafkajs sets it, whatever it was) and fetch the next batch twice.
   */
  private scope(
    payload: EachBatchPayload,
    { readAhead = false, alsoYield = () => false }: { readAhead?: boolean; alsoYield?: () => boolean } = {},
  ): PartitionScope {
    const { batch } = payload;
    const { topic, partition } = batch;
    const lagKey = `${topic}/${partition}`;
    this.lagByPartition.set(lagKey, Number(batch.offsetLagLow()));
    return {
      mustYield: () => this.abort.signal.aborted || !payload.isRunning() || payload.isStale() || alsoYield(),
      between: () => payload.heartbeat(),
      commit: async (record) => {
        // Resolving moves the fetch position; the explicit commit makes it durable for the group.
        if (!readAhead) payload.resolveOffset(record.offset);
        const next = (BigInt(record.offset) + 1n).toString();
        await payload.commitOffsetsIfNecessary({
          topics: [{ topic, partitions: [{ partition, offset: next }] }],
        });
        this.lagByPartition.set(lagKey, Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(next))));
      },
    };
  }
}
