import type { LineageEdge } from '@damon/contracts';
import { describe, expect, it } from 'vitest';
import type { SubscriptionHealth } from './bus';
import { busHealthChecks } from './bus-health';
import { SILENT_LOGGER } from './delivery-pipeline';
import { MemoryBus } from './memory-bus';

const edge = (seq: number): LineageEdge => ({
  eventId: `e-${seq}`,
  schemaVersion: 1,
  occurredAt: '2025-01-01T00:00:00.000Z',
  subject: { kind: 'dataset', id: 'd' },
  from: { kind: 'model', id: 'm' },
  to: { kind: 'dataset', id: 'd' },
  relation: 'generated',
});

const member = (overrides: Partial<SubscriptionHealth>): SubscriptionHealth => ({
  group: 'g',
  topics: ['damon.lineage'],
  joined: true,
  assignedPartitions: 3,
  lag: 0,
  sinceHeartbeatMs: 1_000,
  stopped: false,
  ...overrides,
});

describe('busHealthChecks', () => {
  it('reports membership, assignment and lag of a real subscription (MemoryBus); lag drains to 0', async () => {
    const bus = new MemoryBus({ logger: SILENT_LOGGER, defaultPartitions: 2 });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const subscription = await bus.subscribe({
      group: 'readers',
      topics: ['damon.lineage'],
      handler: () => gate,
    });
    await bus.publishMany('damon.lineage', [0, 1, 2].map(edge));
    const checks = busHealthChecks(bus);
    expect(checks.readiness()).toEqual({ readers: { joined: true, assignedPartitions: 2, lag: 3 } });
    release();
    await expect.poll(() => subscription.health().lag).toBe(0);
    expect(checks.liveness()).toEqual({});
    await subscription.stop();
    // A stopped subscription is no longer probed.
    expect(checks.readiness()).toEqual({});
    await bus.close();
  });

  it('is not ready when a member left its group or its coordinator went quiet, and not live when it crashed for good', () => {
    const probe = (all: SubscriptionHealth[]) =>
      busHealthChecks({ health: () => all }, { staleAfterMs: 10_000 });
    expect(() =>
      probe([member({ joined: false, lastCrash: 'Connection error: ECONNREFUSED' })]).readiness(),
    ).toThrow('g: not a member of its group (last crash: Connection error: ECONNREFUSED)');
    expect(() => probe([member({ sinceHeartbeatMs: 12_400 })]).readiness()).toThrow(
      'g: no heartbeat acknowledged for 12 s',
    );
    const crashed = probe([member({ joined: false, failed: 'coordinator is not aware of this member' })]);
    expect(() => crashed.readiness()).toThrow('g: consumer crashed and will not restart');
    expect(() => crashed.liveness()).toThrow(
      'g: consumer crashed and will not restart (coordinator is not aware',
    );
    expect(probe([member({})]).readiness()).toEqual({
      g: { joined: true, assignedPartitions: 3, lag: 0, sinceHeartbeatMs: 1_000 },
    });
  });
});
