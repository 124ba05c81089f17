import { randomBytes } from 'node:crypto';
import { integrationEnv, numberedEdge } from '@damon/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { KafkaBus } from './kafka-bus';

const RUN = `longbatch-${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const MESSAGES = 3_000;
/** Handler work per message: a fetched batch of all of them takes 15 s, 2.5 sessions. */
const WORK_MS_PER_MESSAGE = 5;
const SESSION_MS = 6_000;

/**
 * One partition holding thousands of small messages arrives as one fetched batch; processing it in
 * chunks with a heartbeat between them keeps the member in its group through a 6 s session.
 */
describe('KafkaBus batch mode: long work per fetch (real Kafka)', () => {
  const errors: string[] = [];
  const warnings: string[] = [];
  const bus = new KafkaBus({
    brokers: integrationEnv().kafkaBrokers,
    clientId: RUN,
    logger: { warn: (m) => warnings.push(m), error: (m) => errors.push(m) },
    consumer: {
      sessionTimeout: SESSION_MS,
      rebalanceTimeout: 10_000,
      heartbeatInterval: 500,
      maxWaitTimeInMs: 200,
    },
  });
  afterAll(() => bus.close());

  it('keeps heartbeats flowing: no eviction, no rebalance, every message handled once', async () => {
    const handled = new Map<string, number>();
    const calls: number[] = [];
    const subscription = await bus.subscribe({
      group: `${RUN}-group`,
      topics: ['damon.lineage'],
      fromBeginning: false,
      batchHandler: async (messages) => {
        const mine = messages.filter((m) => m.value.eventId.startsWith(RUN));
        if (mine.length > 0) calls.push(messages.length);
        // Work that scales with the batch, as fitting and scoring do.
        await new Promise((r) => setTimeout(r, WORK_MS_PER_MESSAGE * mine.length));
        for (const m of mine) handled.set(m.value.eventId, (handled.get(m.value.eventId) ?? 0) + 1);
      },
    });
    await subscription.ready;
    // One request, one key (one partition): the next fetch brings them all at once.
    await bus.publishMany(
      'damon.lineage',
      Array.from({ length: MESSAGES }, (_, i) => numberedEdge(RUN, i)),
    );
    const deadline = Date.now() + 120_000;
    while (handled.size < MESSAGES && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const health = subscription.health();
    await subscription.stop();

    expect(handled.size).toBe(MESSAGES);
    expect([...handled.values()].every((n) => n === 1)).toBe(true);
    expect(Math.max(...calls)).toBeLessThanOrEqual(500);
    expect(errors).toEqual([]);
    expect(health.joined).toBe(true);
    expect(health.lastCrash).toBeUndefined();
    expect(health.sinceHeartbeatMs).toBeLessThan(SESSION_MS);
  });
});
