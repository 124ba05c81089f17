import { setImmediate as yieldToEventLoop, setTimeout as sleep } from 'node:timers/promises';
import type { Topic } from '@damon/contracts';
import type { SubscribeOptions, Subscription, SubscriptionHealth, TopicPartition } from './bus';
import { DeliveryPipeline, type DeliveryContext } from './delivery-pipeline';
import type { MemoryConsumerGroup, GroupMember } from './memory-consumer-group';
import type { MemoryLog } from './memory-log';
import { WakeSignal } from './wake-signal';
import { errorMessage } from './event-codec';

/** Records taken per partition turn: one batch in batch mode, a run of messages in each mode. */
const MAX_BATCH = 500;
/** Idle members look again at least this often, in case a wake-up was missed. */
const IDLE_POLL_MS = 250;

/**
 * One subscriber of the in-memory bus: a member of its consumer group that takes turns over its
 * assigned partitions, always reading at the group's committed offset, so what it did not commit
 * is what the next owner of the partition receives.
 */
export class MemoryMember<T extends Topic> implements Subscription, GroupMember {
  readonly topics: readonly string[];
  readonly ready = Promise.resolve();
  private assigned: TopicPartition[] = [];
  private readonly wake = new WakeSignal();
  private readonly abort = new AbortController();
  private readonly pipeline: DeliveryPipeline<T>;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private cursor = 0;

  constructor(
    private readonly options: SubscribeOptions<T>,
    private readonly group: MemoryConsumerGroup,
    private readonly log: MemoryLog,
    private readonly context: Omit<DeliveryContext, 'signal'>,
    /** Called when this member let go of a partition, so the others look for work. */
    private readonly onRelease: () => void,
  ) {
    this.topics = [...options.topics];
    this.pipeline = new DeliveryPipeline(options, { ...context, signal: this.abort.signal });
  }

  start(): void {
    this.group.join(this, this.options.fromBeginning ?? true);
    this.loop = this.run();
  }

  assign(partitions: TopicPartition[]): void {
    this.assigned = partitions;
    this.wake.notify();
  }

  assignment(): TopicPartition[] {
    return this.assigned.map((p) => ({ ...p }));
  }

  health(): SubscriptionHealth {
    return {
      group: this.options.group,
      topics: [...this.topics],
      joined: !this.stopping,
      assignedPartitions: this.assigned.length,
      lag: this.assigned.reduce(
        (sum, { topic, partition }) =>
          sum +
          Math.max(0, this.log.endOffset(topic, partition) - this.group.committedOffset(topic, partition)),
        0,
      ),
      stopped: this.stopping,
    };
  }

  /** Something changed (a publish, a released partition): look for work. */
  notify(): void {
    this.wake.notify();
  }

  async stop(): Promise<void> {
    if (this.stopping) return this.loop;
    this.stopping = true;
    this.abort.abort();
    this.wake.notify();
    await this.loop;
    this.group.leave(this);
    this.onRelease();
  }

  private owns(topic: string, partition: number): boolean {
    return this.assigned.some((p) => p.topic === topic && p.partition === partition);
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      const work = this.claimNext();
      if (!work) {
        await this.wake.wait(IDLE_POLL_MS);
        continue;
      }
      const { topic, partition } = work;
      try {
        const from = this.group.committedOffset(topic, partition);
        const records = this.log.read(topic, partition, from, MAX_BATCH);
        await this.pipeline.process(records, {
          commit: (record) => Promise.resolve(this.group.commit(topic, partition, Number(record.offset) + 1)),
          mustYield: () => this.stopping || !this.owns(topic, partition),
        });
      } catch (error) {
        // Handlers cannot throw past the pipeline; this is the DLQ publish failing. The records
        // stay uncommitted and are taken again after a pause.
        this.context.logger.error(
          `[bus] ${this.options.group}: ${topic}/${partition} failed: ${errorMessage(error)}`,
        );
        await sleep(100);
      } finally {
        this.group.release(this, topic, partition);
        this.onRelease();
      }
      await yieldToEventLoop();
    }
  }

  /** The next assigned partition with unread messages that no other member is still working on. */
  private claimNext(): TopicPartition | undefined {
    const count = this.assigned.length;
    for (let i = 0; i < count; i += 1) {
      const candidate = this.assigned[(this.cursor + i) % count];
      const { topic, partition } = candidate;
      if (this.group.committedOffset(topic, partition) >= this.log.endOffset(topic, partition)) continue;
      if (!this.group.tryClaim(this, topic, partition)) continue;
      this.cursor = (this.cursor + i + 1) % count;
      return candidate;
    }
    return undefined;
  }
}
