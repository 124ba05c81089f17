import { DLQ_TOPIC, type Topic, type TopicMap } from '@damon/contracts';
import { Kafka, logLevel as KafkaLogLevel, Partitioners, type Admin, type Producer } from 'kafkajs';
import type { Bus, PublishOptions, SubscribeOptions, Subscription, SubscriptionHealth } from './bus';
import { defaultBusLogger, type BatchObserver, type BusLogger } from './delivery-pipeline';
import { assertMessageSize, encodeEvent, toBuffer, type EncodedMessage } from './event-codec';
import { commitGroupStartOffsets } from './group-start-offsets';
import { kafkaLogCreator } from './kafka-log';
import { KafkaSubscription, type KafkaConsumerTuning } from './kafka-subscription';

export interface KafkaBusOptions {
  /** `host:port` list, or the comma-separated KAFKA_BROKERS value. */
  brokers: readonly string[] | string;
  clientId?: string;
  /**
   * The least severe of kafkajs's own lines to log (through `logger`, as JSON): ERROR by default
   * (connection failures, crashed consumers); NOTHING turns them off.
   */
  logLevel?: KafkaLogLevel;
  logger?: BusLogger;
  /** Partitions of topics this bus creates. Default 3. */
  defaultPartitions?: number;
  /** Replication of topics this bus creates. Default: the broker's default.replication.factor. */
  replicationFactor?: number;
  consumer?: KafkaConsumerTuning;
  connectionTimeout?: number;
  requestTimeout?: number;
  /** Told the duration of every batch handler call that succeeded (for a latency metric). */
  onBatchHandled?: BatchObserver;
}

/**
 * The bus on Apache Kafka (kafkajs): an idempotent producer that waits for all in-sync replicas,
 * topics created through the admin API (never auto-created), and one consumer per subscription
 * with explicit commits after the handler.
 */
export class KafkaBus implements Bus {
  private readonly kafka: Kafka;
  private readonly logger: BusLogger;
  private producer: Promise<Producer> | undefined;
  private admin: Promise<Admin> | undefined;
  private readonly knownTopics = new Set<string>();
  private readonly subscriptions = new Set<{ stop(): Promise<void>; health(): SubscriptionHealth }>();
  /** Offset initialisation of one group must not race with another subscribe of the same group. */
  private readonly groupInit = new Map<string, Promise<void>>();
  private closed = false;

  constructor(private readonly options: KafkaBusOptions) {
    const logger = options.logger ?? defaultBusLogger();
    const brokers = typeof options.brokers === 'string' ? options.brokers.split(',') : [...options.brokers];
    this.kafka = new Kafka({
      clientId: options.clientId ?? 'damon',
      brokers: brokers.map((b) => b.trim()).filter(Boolean),
      logLevel: options.logLevel ?? KafkaLogLevel.ERROR,
      logCreator: kafkaLogCreator(logger),
      connectionTimeout: options.connectionTimeout,
      requestTimeout: options.requestTimeout,
    });
    this.logger = logger;
  }

  async ensureTopics(topics: readonly Topic[], partitions?: number): Promise<void> {
    await this.createTopics(topics, partitions);
  }

  async publish<T extends Topic>(
    topic: T,
    payload: TopicMap[T],
    options: PublishOptions = {},
  ): Promise<void> {
    await this.send(topic, [encodeEvent(topic, payload, options.key)]);
  }

  // Not async: an async function's frame would hold `payloads` until the broker acknowledged them; the
  // monitors' score batches, thousands of items a transaction, need not live past their serialising.
  publishMany<T extends Topic>(topic: T, payloads: readonly TopicMap[T][]): Promise<void> {
    if (payloads.length === 0) return Promise.resolve();
    let messages: EncodedMessage[];
    try {
      messages = payloads.map((payload) => encodeEvent(topic, payload));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return this.send(topic, messages);
  }

  async publishRaw(topic: string, value: Buffer | string, key: string | null = null): Promise<void> {
    const bytes = toBuffer(value);
    assertMessageSize(topic, bytes.length);
    await this.send(topic, [{ key, value: bytes }]);
  }

  async subscribe<T extends Topic>(options: SubscribeOptions<T>): Promise<Subscription> {
    this.assertOpen();
    if (options.topics.length === 0) throw new Error('subscribe needs at least one topic');
    await this.createTopics([...options.topics, DLQ_TOPIC]);
    if (options.fromBeginning === false) await this.startGroupAtEnd(options.group, options.topics);
    const subscription = new KafkaSubscription<T>(
      this.kafka,
      options,
      {
        logger: this.logger,
        deadLetter: (letter) => this.publish(DLQ_TOPIC, letter),
        onBatchHandled: this.options.onBatchHandled,
      },
      this.options.consumer ?? {},
    );
    const subscriptions = this.subscriptions;
    subscriptions.add(subscription);
    try {
      await subscription.start();
    } catch (error) {
      subscriptions.delete(subscription);
      await subscription.stop().catch(() => undefined);
      throw error;
    }
    return {
      ready: subscription.ready,
      assignment: () => subscription.assignment(),
      health: () => subscription.health(),
      stop: async () => {
        await subscription.stop();
        subscriptions.delete(subscription);
      },
    };
  }

  health(): SubscriptionHealth[] {
    return [...this.subscriptions].map((s) => s.health());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    this.subscriptions.clear();
    const [producer, admin] = [this.producer, this.admin];
    this.producer = this.admin = undefined;
    await Promise.all([
      producer?.then((p) => p.disconnect()).catch(() => undefined),
      admin?.then((a) => a.disconnect()).catch(() => undefined),
    ]);
  }

  private async send(
    topic: string,
    messages: (EncodedMessage | { key: string | null; value: Buffer })[],
  ): Promise<void> {
    this.assertOpen();
    await this.createTopics([topic]);
    const producer = await this.connectedProducer();
    await producer.send({ topic, acks: -1, messages });
  }

  /** Creates the topics this bus has not seen yet; existing ones are left as they are. */
  private async createTopics(topics: readonly string[], partitions?: number): Promise<void> {
    const unknown = [...new Set(topics)].filter((t) => !this.knownTopics.has(t));
    if (unknown.length === 0) return;
    const admin = await this.connectedAdmin();
    const existing = new Set(await admin.listTopics());
    const missing = unknown.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      try {
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((topic) => ({
            topic,
            numPartitions: partitions ?? this.options.defaultPartitions ?? 3,
            replicationFactor: this.options.replicationFactor,
          })),
        });
      } catch (error) {
        // Another process may have created them meanwhile; anything else is a real failure.
        const now = new Set(await admin.listTopics());
        if (!missing.every((t) => now.has(t))) throw error;
      }
    }
    unknown.forEach((t) => this.knownTopics.add(t));
  }

  /**
   * `fromBeginning: false` means "from the end as of subscribe()": commit the current end offsets
   * for partitions the group never committed, before the consumer starts. Without this, kafkajs
   * would pick "latest" at its first fetch, after subscribe() returned, and lose what came between.
   */
  private startGroupAtEnd(group: string, topics: readonly string[]): Promise<void> {
    const previous = this.groupInit.get(group) ?? Promise.resolve();
    const next = previous.then(async () => {
      const admin = await this.connectedAdmin();
      if (!(await commitGroupStartOffsets(this.kafka, admin, group, topics))) {
        // Members of the group run elsewhere already: their committed offsets (or kafkajs's
        // "latest" at first fetch) apply.
        this.logger.warn(
          `[bus] ${group}: could not set the group's start offsets; it starts where kafkajs puts it`,
        );
      }
    });
    this.groupInit.set(
      group,
      next.catch(() => undefined),
    );
    return next;
  }

  private connectedProducer(): Promise<Producer> {
    this.producer ??= (async () => {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await producer.connect();
      return producer;
    })();
    // A failed connect is not cached: the next publish tries again.
    this.producer.catch(() => (this.producer = undefined));
    return this.producer;
  }

  private connectedAdmin(): Promise<Admin> {
    this.admin ??= (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      return admin;
    })();
    this.admin.catch(() => (this.admin = undefined));
    return this.admin;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('bus is closed');
  }
}
