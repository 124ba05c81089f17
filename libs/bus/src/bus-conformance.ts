import { randomUUID } from 'node:crypto';
import { DLQ_TOPIC, LIMITS, type DeadLetter, type LineageEdge } from '@damon/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InvalidEventError,
  MessageTooLargeError,
  type Bus,
  type ReceivedMessage,
  type SubscribeOptions,
  type Subscription,
} from './bus';
import { partitionForKey } from './murmur2';

/**
 * The behaviour every Bus must show, run against MemoryBus (unit) and KafkaBus on a real broker
 * (integration). Topics are the fixed contract topics, so each test isolates itself with its own
 * consumer groups and subject ids, and subscribes with `fromBeginning: false`.
 */
export interface ConformanceOptions {
  /** How long to wait for a message to arrive (Kafka: joins and rebalances take a moment). */
  waitMs: number;
}

const TOPIC = 'damon.lineage';

export function describeBusConformance(
  name: string,
  makeBus: () => Bus | Promise<Bus>,
  options: ConformanceOptions = { waitMs: 5_000 },
): void {
  describe(`${name} conformance`, () => {
    let bus: Bus;
    const run = randomUUID().slice(0, 8);
    let subscriptions: Subscription[] = [];

    beforeAll(async () => {
      bus = await makeBus();
      await bus.ensureTopics([TOPIC, DLQ_TOPIC]);
    });

    afterAll(async () => {
      await Promise.all(subscriptions.map((s) => s.stop()));
      await bus.close();
    });

    /** Subscribes and waits until the member holds its assignment. */
    async function join(subscribe: SubscribeOptions<typeof TOPIC>): Promise<Subscription> {
      const subscription = await bus.subscribe({ fromBeginning: false, ...subscribe });
      subscriptions.push(subscription);
      await subscription.ready;
      return subscription;
    }

    async function stop(subscription: Subscription): Promise<void> {
      await subscription.stop();
      subscriptions = subscriptions.filter((s) => s !== subscription);
    }

    /** Collects the dead letters that one consumer group produces. */
    async function watchDeadLetters(group: string): Promise<DeadLetter[]> {
      const letters: DeadLetter[] = [];
      const subscription = await bus.subscribe({
        group: `${group}-dlq-watch`,
        topics: [DLQ_TOPIC],
        fromBeginning: false,
        handler: (m) => {
          if (m.value.consumerGroup === group) letters.push(m.value);
          return Promise.resolve();
        },
      });
      subscriptions.push(subscription);
      await subscription.ready;
      return letters;
    }

    function waitFor(what: string, condition: () => boolean, timeoutMs = options.waitMs): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (condition()) resolve();
          else if (Date.now() > deadline)
            reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
          else setTimeout(check, 20);
        };
        check();
      });
    }

    const ids = (label: string): { group: string; subject: (i: number) => string } => ({
      group: `conformance-${run}-${label}`,
      subject: (i) => `ds-${run}-${label}-${i}`,
    });

    function edge(datasetId: string, seq: number): LineageEdge {
      return {
        eventId: `${datasetId}-${seq}`,
        schemaVersion: 1,
        occurredAt: new Date(Date.UTC(2025, 0, 1, 0, 0, seq)).toISOString(),
        subject: { kind: 'dataset', id: datasetId },
        from: { kind: 'model', id: `generator-${seq}` },
        to: { kind: 'dataset', id: datasetId },
        relation: 'generated',
      };
    }

    /** Keys chosen so that together they land on every partition of the topic. */
    function subjectsCoveringPartitions(
      make: (i: number) => string,
      partitions: number,
      perPartition: number,
    ): string[] {
      const chosen: string[] = [];
      const counts = new Array<number>(partitions).fill(0);
      for (let i = 0; chosen.length < partitions * perPartition; i += 1) {
        const subject = make(i);
        const p = partitionForKey(subject, partitions);
        if (counts[p] < perPartition) {
          counts[p] += 1;
          chosen.push(subject);
        }
      }
      return chosen;
    }

    const seqOf = (m: ReceivedMessage<typeof TOPIC>): number => Number(m.value.eventId.split('-').pop());
    const mine = (prefix: string) => (m: ReceivedMessage<typeof TOPIC>) => m.value.to.id.startsWith(prefix);

    it('keeps per-key ordering: one subject’s events arrive in publish order on the partition murmur2 picks', async () => {
      const { group, subject } = ids('order');
      const received: ReceivedMessage<typeof TOPIC>[] = [];
      const member = await join({
        group,
        topics: [TOPIC],
        handler: (m) => {
          if (mine(`ds-${run}-order-`)(m)) received.push(m);
          return Promise.resolve();
        },
      });
      const partitions = member.assignment().filter((p) => p.topic === TOPIC).length;
      expect(partitions).toBeGreaterThanOrEqual(2);

      const subjects = [0, 1, 2, 3].map(subject);
      for (let seq = 0; seq < 8; seq += 1) {
        // Interleave subjects, half as single publishes and half as one batch.
        if (seq % 2 === 0) for (const s of subjects) await bus.publish(TOPIC, edge(s, seq));
        else
          await bus.publishMany(
            TOPIC,
            subjects.map((s) => edge(s, seq)),
          );
      }
      await waitFor('32 messages', () => received.length >= 32);

      expect(received).toHaveLength(32);
      for (const s of subjects) {
        const ofSubject = received.filter((m) => m.value.to.id === s);
        expect(ofSubject.map(seqOf)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
        expect(new Set(ofSubject.map((m) => m.key))).toEqual(new Set([s]));
        expect(new Set(ofSubject.map((m) => m.partition))).toEqual(new Set([partitionForKey(s, partitions)]));
        const offsets = ofSubject.map((m) => BigInt(m.offset));
        expect(offsets.every((o, i) => i === 0 || o > offsets[i - 1])).toBe(true);
      }
      const rawEventId = (m: ReceivedMessage<typeof TOPIC>): unknown =>
        (JSON.parse(m.raw.toString('utf8')) as { eventId: unknown }).eventId;
      expect(received.every((m) => m.attempt === 1 && rawEventId(m) === m.value.eventId)).toBe(true);
      await stop(member);
    });

    it('splits partitions between two consumers of one group, and one takes over after the other leaves', async () => {
      const { group, subject } = ids('split');
      const byMember = { a: [] as ReceivedMessage<typeof TOPIC>[], b: [] as ReceivedMessage<typeof TOPIC>[] };
      const handlerFor = (list: ReceivedMessage<typeof TOPIC>[]) => (m: ReceivedMessage<typeof TOPIC>) => {
        if (mine(`ds-${run}-split-`)(m)) list.push(m);
        return Promise.resolve();
      };
      const a = await join({ group, topics: [TOPIC], handler: handlerFor(byMember.a) });
      const partitions = a.assignment().length;
      const b = await join({ group, topics: [TOPIC], handler: handlerFor(byMember.b) });
      const owned = (s: Subscription): number[] => s.assignment().map((p) => p.partition);
      await waitFor('A and B to split the partitions', () => {
        const [pa, pb] = [owned(a), owned(b)];
        return (
          pa.length > 0 &&
          pb.length > 0 &&
          pa.length + pb.length === partitions &&
          new Set([...pa, ...pb]).size === partitions
        );
      });

      const first = subjectsCoveringPartitions((i) => subject(i), partitions, 2);
      await bus.publishMany(
        TOPIC,
        first.map((s) => edge(s, 0)),
      );
      await waitFor('every message of round 1', () => byMember.a.length + byMember.b.length >= first.length);
      const seenBy = (list: ReceivedMessage<typeof TOPIC>[]): Set<number> =>
        new Set(list.map((m) => m.partition));
      expect(byMember.a.length).toBeGreaterThan(0);
      expect(byMember.b.length).toBeGreaterThan(0);
      expect([...seenBy(byMember.a)].filter((p) => seenBy(byMember.b).has(p))).toEqual([]);
      expect(new Set([...byMember.a, ...byMember.b].map((m) => m.value.eventId)).size).toBe(first.length);

      await stop(b);
      await waitFor('A to own every partition', () => owned(a).length === partitions);
      const second = subjectsCoveringPartitions((i) => subject(1000 + i), partitions, 2);
      const before = byMember.a.length;
      await bus.publishMany(
        TOPIC,
        second.map((s) => edge(s, 1)),
      );
      await waitFor('A to receive all of round 2', () => byMember.a.length - before >= second.length);
      expect(seenBy(byMember.a.slice(before)).size).toBe(partitions);
      expect(byMember.b.filter((m) => seqOf(m) === 1)).toEqual([]);
      await stop(a);
    });

    it('redelivers a message whose handler crashed before commit to the next member of the group', async () => {
      const { group, subject } = ids('crash');
      const letters = await watchDeadLetters(group);
      const crashed: ReceivedMessage<typeof TOPIC>[] = [];
      const a = await join({
        group,
        topics: [TOPIC],
        retry: { attempts: 1_000, initialBackoffMs: 100, maxBackoffMs: 100 },
        handler: (m) => {
          if (!mine(`ds-${run}-crash-`)(m)) return Promise.resolve();
          crashed.push(m);
          return Promise.reject(new Error('worker died mid-message'));
        },
      });
      await bus.publish(TOPIC, edge(subject(0), 0));
      await waitFor('the first delivery', () => crashed.length >= 1);
      // Leaving while the message waits for its retry: it was never committed.
      await stop(a);

      const redelivered: ReceivedMessage<typeof TOPIC>[] = [];
      const b = await join({
        group,
        topics: [TOPIC],
        handler: (m) => {
          if (mine(`ds-${run}-crash-`)(m)) redelivered.push(m);
          return Promise.resolve();
        },
      });
      await waitFor('the redelivery', () => redelivered.length >= 1);
      expect(redelivered[0].value.eventId).toBe(crashed[0].value.eventId);
      expect(redelivered[0].offset).toBe(crashed[0].offset);
      expect(redelivered[0].partition).toBe(crashed[0].partition);
      expect(redelivered[0].attempt).toBe(1);
      expect(letters).toEqual([]);
      await stop(b);
    });

    it('dead-letters malformed messages (bad JSON, schema violation) to damon.dlq with the reason, and still handles the next good message', async () => {
      const { group, subject } = ids('malformed');
      const letters = await watchDeadLetters(group);
      const handled: ReceivedMessage<typeof TOPIC>[] = [];
      const member = await join({
        group,
        topics: [TOPIC],
        handler: (m) => {
          if (mine(`ds-${run}-malformed-`)(m)) handled.push(m);
          return Promise.resolve();
        },
      });
      const key = subject(0);
      const badJson = '{"eventId": "x", not json';
      const badSchema = JSON.stringify({ ...edge(key, 0), schemaVersion: 2, relation: 'whispered' });
      await bus.publishRaw(TOPIC, badJson, key);
      await bus.publishRaw(TOPIC, Buffer.from(badSchema, 'utf8'), key);
      await bus.publish(TOPIC, edge(key, 1));

      await waitFor('the good message', () => handled.length >= 1);
      await waitFor('two dead letters', () => letters.length >= 2);
      expect(handled.map((m) => m.value.eventId)).toEqual([`${key}-1`]);
      const [jsonLetter, schemaLetter] = [...letters].sort((x, y) =>
        Number(BigInt(x.offset) - BigInt(y.offset)),
      );
      for (const letter of [jsonLetter, schemaLetter]) {
        expect(letter).toMatchObject({
          sourceTopic: TOPIC,
          consumerGroup: group,
          kind: 'invalid',
          key,
          attempts: 0,
          partition: handled[0].partition,
        });
        expect(BigInt(letter.offset)).toBeLessThan(BigInt(handled[0].offset));
      }
      expect(Buffer.from(jsonLetter.originalBase64, 'base64').toString('utf8')).toBe(badJson);
      expect(jsonLetter.reason).toMatch(/^not JSON/);
      expect(Buffer.from(schemaLetter.originalBase64, 'base64').toString('utf8')).toBe(badSchema);
      expect(schemaLetter.reason).toMatch(/^schema: /);
      expect(schemaLetter.reason).toContain('schemaVersion');
      expect(schemaLetter.reason).toContain('relation');
      await stop(member);
    });

    it('retries a failing handler with exponential backoff, then dead-letters it with kind failed and moves on', async () => {
      const { group, subject } = ids('retry');
      const letters = await watchDeadLetters(group);
      const attempts: { attempt: number; at: number }[] = [];
      const handled: string[] = [];
      const poison = `${subject(0)}-0`;
      const member = await join({
        group,
        topics: [TOPIC],
        retry: { attempts: 3, initialBackoffMs: 60, maxBackoffMs: 1_000 },
        handler: (m) => {
          if (!mine(`ds-${run}-retry-`)(m)) return Promise.resolve();
          if (m.value.eventId === poison) {
            attempts.push({ attempt: m.attempt, at: performance.now() });
            return Promise.reject(new Error('detector exploded'));
          }
          handled.push(m.value.eventId);
          return Promise.resolve();
        },
      });
      await bus.publish(TOPIC, edge(subject(0), 0));
      await bus.publish(TOPIC, edge(subject(0), 1));

      await waitFor('the message after the poison one', () => handled.length >= 1);
      await waitFor('the dead letter', () => letters.length >= 1);
      expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
      // Backoff 60 ms then 120 ms (a few ms of timer slack allowed below).
      expect(attempts[1].at - attempts[0].at).toBeGreaterThanOrEqual(55);
      expect(attempts[2].at - attempts[1].at).toBeGreaterThanOrEqual(115);
      expect(handled).toEqual([`${subject(0)}-1`]);
      expect(letters).toHaveLength(1);
      expect(letters[0]).toMatchObject({
        kind: 'failed',
        attempts: 3,
        consumerGroup: group,
        sourceTopic: TOPIC,
        key: subject(0),
      });
      expect(letters[0].reason).toContain('detector exploded');
      expect(JSON.parse(Buffer.from(letters[0].originalBase64, 'base64').toString('utf8'))).toEqual(
        edge(subject(0), 0),
      );
      await stop(member);
    });

    it('waits out an outage of our own infrastructure (ECONNREFUSED, SQLSTATE 57P01) past the retry attempts, never dead-lettering', async () => {
      const { group, subject } = ids('outage');
      const letters = await watchDeadLetters(group);
      const each: string[] = [];
      const batches: string[] = [];
      let eachFailures = 0;
      let batchFailures = 0;
      const outage = (failures: number) =>
        failures % 2 === 0
          ? Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })
          : Object.assign(new Error('query failed'), {
              driverError: Object.assign(new Error('terminating connection'), { code: '57P01' }),
            });
      const retry = { attempts: 2, initialBackoffMs: 5, maxBackoffMs: 20 };
      const members = [
        await join({
          group,
          topics: [TOPIC],
          retry,
          handler: (m) => {
            if (!mine(`ds-${run}-outage-`)(m)) return Promise.resolve();
            // Eight failures in a row, four times the attempts the policy allows.
            if (eachFailures < 8) return Promise.reject(outage(eachFailures++));
            each.push(m.value.eventId);
            return Promise.resolve();
          },
        }),
        await join({
          group: `${group}-batch`,
          topics: [TOPIC],
          retry,
          batchHandler: (messages) => {
            const relevant = messages.filter(mine(`ds-${run}-outage-`));
            if (relevant.length > 0 && batchFailures < 8) return Promise.reject(outage(batchFailures++));
            batches.push(...relevant.map((m) => m.value.eventId));
            return Promise.resolve();
          },
        }),
      ];
      const batchLetters = await watchDeadLetters(`${group}-batch`);
      await bus.publishMany(
        TOPIC,
        [0, 1, 2].map((seq) => edge(subject(0), seq)),
      );
      const expected = [0, 1, 2].map((seq) => `${subject(0)}-${seq}`);
      await waitFor('every message after the outage (each)', () => each.length >= 3);
      await waitFor('every message after the outage (batch)', () => new Set(batches).size >= 3);
      expect(each).toEqual(expected);
      expect([...new Set(batches)]).toEqual(expected);
      expect(eachFailures).toBe(8);
      expect(batchFailures).toBe(8);
      expect(letters).toHaveLength(0);
      expect(batchLetters).toHaveLength(0);
      for (const member of members) await stop(member);
    });

    it('batch mode: hands over batches in order, and dead-letters only the message that keeps failing', async () => {
      const { group, subject } = ids('batch');
      const letters = await watchDeadLetters(group);
      const handled: string[] = [];
      const key = subject(0);
      const poison = `${key}-3`;
      const member = await join({
        group,
        topics: [TOPIC],
        retry: { attempts: 2, initialBackoffMs: 10, maxBackoffMs: 20 },
        batchHandler: (messages) => {
          const relevant = messages.filter(mine(`ds-${run}-batch-`));
          if (relevant.some((m) => m.value.eventId === poison))
            return Promise.reject(new Error('poisoned batch'));
          handled.push(...relevant.map((m) => m.value.eventId));
          return Promise.resolve();
        },
      });
      await bus.publishMany(
        TOPIC,
        [0, 1, 2, 3, 4, 5].map((seq) => edge(key, seq)),
      );

      await waitFor('the five good messages', () => new Set(handled).size >= 5);
      await waitFor('the dead letter', () => letters.length >= 1);
      const firstSeen = [...new Set(handled)];
      expect(firstSeen).toEqual([0, 1, 2, 4, 5].map((seq) => `${key}-${seq}`));
      expect(letters).toHaveLength(1);
      expect(letters[0]).toMatchObject({ kind: 'failed', attempts: 2, key });
      expect(JSON.parse(Buffer.from(letters[0].originalBase64, 'base64').toString('utf8'))).toMatchObject({
        eventId: poison,
      });
      await stop(member);
    });

    it('rejects publishing an invalid payload (InvalidEventError) or an oversized message (MessageTooLargeError)', async () => {
      const { subject } = ids('reject');
      const invalid = { ...edge(subject(0), 0), from: { kind: 'dataset', id: subject(0) } };
      await expect(bus.publish(TOPIC, invalid as LineageEdge)).rejects.toBeInstanceOf(InvalidEventError);
      await expect(bus.publish(TOPIC, invalid as LineageEdge)).rejects.toThrow(
        /invalid damon\.lineage event: to: an artifact cannot be linked to itself/,
      );
      await expect(
        bus.publishMany(TOPIC, [edge(subject(1), 0), { ...edge(subject(1), 1), eventId: '' }]),
      ).rejects.toBeInstanceOf(InvalidEventError);
      const huge = Buffer.alloc(LIMITS.maxMessageBytes + 1, 0x20);
      await expect(bus.publishRaw(TOPIC, huge, subject(2))).rejects.toBeInstanceOf(MessageTooLargeError);
      await expect(bus.publishRaw(TOPIC, huge, subject(2))).rejects.toThrow(
        /over the limit of 16777216 bytes/,
      );
    });
  });
}
