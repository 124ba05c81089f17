import { DLQ_TOPIC, type Topic, type TopicMap } from '@damon/contracts';
import type { Bus, PublishOptions, SubscribeOptions, Subscription, SubscriptionHealth } from './bus';
import { defaultBusLogger, type BusLogger } from './delivery-pipeline';
import { assertMessageSize, encodeEvent, toBuffer } from './event-codec';
import { MemoryConsumerGroup } from './memory-consumer-group';
import { MemoryLog } from './memory-log';
import { MemoryMember } from './memory-member';

export interface MemoryBusOptions {
  /** Partitions of a topic created without an explicit count. Default 3, as the broker's num.partitions. */
  defaultPartitions?: number;
  logger?: BusLogger;
}

/**
 * The bus of the all-in-one runner and of unit tests: in-process, with Kafka's semantics —
 * partitions chosen by murmur2 of the key, consumer groups that rebalance when members come and
 * go, committed offsets per group and partition, redelivery of whatever was not committed.
 * Topics are created on first use, as KafkaBus does.
 */
export class MemoryBus implements Bus {
  private readonly log: MemoryLog;
  private readonly groups = new Map<string, MemoryConsumerGroup>();
  private readonly members = new Set<{
    notify(): void;
    stop(): Promise<void>;
    health(): SubscriptionHealth;
  }>();
  private readonly logger: BusLogger;
  private closed = false;

  constructor(options: MemoryBusOptions = {}) {
    this.log = new MemoryLog(options.defaultPartitions ?? 3);
    this.logger = options.logger ?? defaultBusLogger();
  }

  ensureTopics(topics: readonly Topic[], partitions?: number): Promise<void> {
    for (const topic of topics) this.log.ensure(topic, partitions);
    return Promise.resolve();
  }

  publish<T extends Topic>(topic: T, payload: TopicMap[T], options: PublishOptions = {}): Promise<void> {
    return this.run(() => {
      const message = encodeEvent(topic, payload, options.key);
      this.append(topic, message.key, message.value);
    });
  }

  publishMany<T extends Topic>(topic: T, payloads: readonly TopicMap[T][]): Promise<void> {
    return this.run(() => {
      // All or nothing, as one Kafka produce request of a validated batch.
      const messages = payloads.map((payload) => encodeEvent(topic, payload));
      messages.forEach((m) => this.append(topic, m.key, m.value));
    });
  }

  publishRaw(topic: string, value: Buffer | string, key: string | null = null): Promise<void> {
    return this.run(() => {
      const bytes = toBuffer(value);
      assertMessageSize(topic, bytes.length);
      this.append(topic, key, bytes);
    });
  }

  async subscribe<T extends Topic>(options: SubscribeOptions<T>): Promise<Subscription> {
    this.assertOpen();
    if (options.topics.length === 0) throw new Error('subscribe needs at least one topic');
    await this.ensureTopics([...options.topics, DLQ_TOPIC]);
    let group = this.groups.get(options.group);
    if (!group) {
      group = new MemoryConsumerGroup(options.group, this.log);
      this.groups.set(options.group, group);
    }
    const member = new MemoryMember<T>(
      options,
      group,
      this.log,
      { logger: this.logger, deadLetter: (letter) => this.publish(DLQ_TOPIC, letter) },
      () => this.wakeAll(),
    );
    this.members.add(member);
    member.start();
    return {
      ready: member.ready,
      assignment: () => member.assignment(),
      health: () => member.health(),
      stop: async () => {
        await member.stop();
        this.members.delete(member);
      },
    };
  }

  health(): SubscriptionHealth[] {
    return [...this.members].map((m) => m.health());
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.members].map((m) => m.stop()));
    this.members.clear();
  }

  private append(topic: string, key: string | null, value: Buffer): void {
    if (!this.log.has(topic)) this.log.ensure(topic);
    this.log.append(topic, key, value);
    this.wakeAll();
  }

  private wakeAll(): void {
    for (const member of this.members) member.notify();
  }

  private run(action: () => void): Promise<void> {
    try {
      this.assertOpen();
      action();
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('bus is closed');
  }
}
