import { describe, expect, it } from 'vitest';
import type { LineageEdge } from '@damon/contracts';
import { describeBusConformance } from './bus-conformance';
import { SILENT_LOGGER } from './delivery-pipeline';
import { MemoryBus } from './memory-bus';

describeBusConformance('MemoryBus', () => new MemoryBus({ logger: SILENT_LOGGER }), { waitMs: 3_000 });

const edge = (id: string, seq: number): LineageEdge => ({
  eventId: `${id}-${seq}`,
  schemaVersion: 1,
  occurredAt: '2025-01-01T00:00:00.000Z',
  subject: { kind: 'dataset', id },
  from: { kind: 'model', id: 'generator' },
  to: { kind: 'dataset', id },
  relation: 'generated',
});

describe('MemoryBus specifics', () => {
  it('starts a new group at the oldest message with fromBeginning (the default), and a second group sees everything again', async () => {
    const bus = new MemoryBus({ logger: SILENT_LOGGER });
    await bus.publishMany('damon.lineage', [edge('a', 0), edge('b', 0), edge('a', 1)]);
    const seen: Record<string, string[]> = { g1: [], g2: [] };
    const subs = await Promise.all(
      ['g1', 'g2'].map((group) =>
        bus.subscribe({
          group,
          topics: ['damon.lineage'],
          handler: (m) => Promise.resolve(void seen[group].push(m.value.eventId)),
        }),
      ),
    );
    await expect.poll(() => seen.g1.length + seen.g2.length).toBe(6);
    expect(seen.g1.sort()).toEqual(['a-0', 'a-1', 'b-0']);
    expect(seen.g2.sort()).toEqual(['a-0', 'a-1', 'b-0']);
    await Promise.all(subs.map((s) => s.stop()));
    await bus.close();
  });

  it('resumes a group from its committed offset after all members left', async () => {
    const bus = new MemoryBus({ logger: SILENT_LOGGER, defaultPartitions: 1 });
    const seen: string[] = [];
    const subscribe = () =>
      bus.subscribe({
        group: 'resume',
        topics: ['damon.lineage'],
        handler: (m) => Promise.resolve(void seen.push(m.value.eventId)),
      });
    const first = await subscribe();
    await bus.publish('damon.lineage', edge('x', 0));
    await expect.poll(() => seen).toEqual(['x-0']);
    await first.stop();
    await bus.publish('damon.lineage', edge('x', 1));
    const second = await subscribe();
    await expect.poll(() => seen).toEqual(['x-0', 'x-1']);
    await second.stop();
    await bus.close();
  });

  it('assigns partitions like Kafka’s range assignor: 3 partitions over 2 members give 2 + 1', async () => {
    const bus = new MemoryBus({ logger: SILENT_LOGGER });
    const handler = () => Promise.resolve();
    const a = await bus.subscribe({ group: 'range', topics: ['damon.lineage'], handler });
    const b = await bus.subscribe({ group: 'range', topics: ['damon.lineage'], handler });
    expect(a.assignment()).toEqual([
      { topic: 'damon.lineage', partition: 0 },
      { topic: 'damon.lineage', partition: 1 },
    ]);
    expect(b.assignment()).toEqual([{ topic: 'damon.lineage', partition: 2 }]);
    await bus.close();
    expect(a.assignment()).toEqual([]);
  });

  it('refuses to publish after close', async () => {
    const bus = new MemoryBus({ logger: SILENT_LOGGER });
    await bus.close();
    await expect(bus.publish('damon.lineage', edge('y', 0))).rejects.toThrow(/closed/);
  });
});
