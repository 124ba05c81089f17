import { randomBytes } from 'node:crypto';
import type { LineageEdge } from '@damon/contracts';
import { integrationEnv, numberedEdge } from '@damon/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { KafkaBus } from './kafka-bus';

const RUN = `readahead-${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
/** Messages per burst and bursts: each burst is its own fetch when the handler is slow. */
const PER_BURST = 40;
const BURSTS = 6;
const WORK_MS_PER_MESSAGE = 5;

async function until(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}

/**
 * Read-ahead (batch mode on Kafka): a partition's next batch is fetched while the one before is still
 * handled, offsets are committed only after the work, and what a stopped member left is handled by the
 * next one: nothing lost, nothing out of order.
 */
describe('KafkaBus readAhead (real Kafka)', () => {
  /** The bus's own errors (kafkajs's retried protocol errors on a fresh broker are not ours). */
  const errors: string[] = [];
  const bus = new KafkaBus({
    brokers: integrationEnv().kafkaBrokers,
    clientId: RUN,
    logger: { warn: () => undefined, error: (m) => (m.startsWith('[bus]') ? errors.push(m) : undefined) },
    consumer: {
      sessionTimeout: 6_000,
      rebalanceTimeout: 10_000,
      heartbeatInterval: 500,
      maxWaitTimeInMs: 200,
    },
  });
  afterAll(() => bus.close());

  /** Publishes BURSTS bursts of one key (one partition), while a slow handler works through them. */
  async function consume(run: string, readAhead: boolean) {
    const handled: number[] = [];
    const subscription = await bus.subscribe({
      group: `${run}-group`,
      topics: ['damon.lineage'],
      fromBeginning: false,
      readAhead,
      batchHandler: async (messages) => {
        const mine = messages.filter((m) => m.value.eventId.startsWith(`${run}-`));
        await new Promise((r) => setTimeout(r, WORK_MS_PER_MESSAGE * mine.length));
        for (const m of mine) handled.push(Number(m.value.eventId.slice(run.length + 1)));
      },
    });
    await subscription.ready;
    for (let b = 0; b < BURSTS; b++) {
      await bus.publishMany(
        'damon.lineage',
        Array.from({ length: PER_BURST }, (_, i) => numberedEdge(run, b * PER_BURST + i)),
      );
      await new Promise((r) => setTimeout(r, 60));
    }
    await until(() => handled.length >= PER_BURST * BURSTS, 60_000);
    const health = subscription.health();
    await subscription.stop();
    return { handled, health };
  }

  it('fetches the next batch while one is handled, and delivers every message once, in order', async () => {
    const ahead = await consume(`${RUN}-on`, true);
    expect(ahead.handled).toEqual(Array.from({ length: PER_BURST * BURSTS }, (_, i) => i));
    expect(ahead.health.fetchedAhead).toBeGreaterThan(0);
    const plain = await consume(`${RUN}-off`, false);
    expect(plain.handled).toEqual(Array.from({ length: PER_BURST * BURSTS }, (_, i) => i));
    expect(plain.health.fetchedAhead).toBeUndefined();
    expect(errors).toEqual([]);
  });

  it('a member stopped mid-stream leaves nothing behind: the next member handles the rest, in order', async () => {
    const run = `${RUN}-stop`;
    const group = `${run}-group`;
    const total = PER_BURST * BURSTS;
    const first: number[] = [];
    const slow = async (messages: { value: LineageEdge }[], into: number[]) => {
      for (const m of messages.filter((x) => x.value.eventId.startsWith(`${run}-`))) {
        await new Promise((r) => setTimeout(r, WORK_MS_PER_MESSAGE * 4));
        into.push(Number(m.value.eventId.slice(run.length + 1)));
      }
    };
    /** A member of the group that records what it handled in `into`, joined. */
    const member = async (into: number[]) => {
      const subscription = await bus.subscribe({
        group,
        topics: ['damon.lineage'],
        fromBeginning: false,
        readAhead: true,
        maxBatchMessages: 20,
        batchHandler: (messages) => slow(messages, into),
      });
      await subscription.ready;
      return subscription;
    };
    const one = await member(first);
    await bus.publishMany(
      'damon.lineage',
      Array.from({ length: total }, (_, i) => numberedEdge(run, i)),
    );
    await until(() => first.length >= total / 4, 30_000);
    await one.stop();
    expect(first.length).toBeLessThan(total);

    const second: number[] = [];
    const two = await member(second);
    await until(() => second.length > 0 && second.at(-1) === total - 1, 60_000);
    await two.stop();
    // At least once: the second member starts at the first member's last commit (a chunk boundary), so
    // it may repeat the chunk the first was in when it stopped, and nothing else.
    expect(first).toEqual(Array.from({ length: first.length }, (_, i) => i));
    expect(second).toEqual(Array.from({ length: total - second[0] }, (_, i) => second[0] + i));
    expect(second[0]).toBeLessThanOrEqual(first.length);
    expect(first.length - second[0]).toBeLessThan(20);
    expect(errors).toEqual([]);
  });
});
