import { describe, expect, it } from 'vitest';
import { encodeVectors } from '@damon/contracts';
import { boundPending, pendingBytes, type PendingHalf } from './representation-pairing';

const half = (id: string, rows: number): PendingHalf => ({
  eventId: id,
  occurredAt: '2026-12-02T00:00:00.000Z',
  variant: 'observed',
  itemIds: Array.from({ length: rows }, (_, i) => `${id}-${i}`),
  layers: [{ name: 'l0', vectors: encodeVectors(new Float32Array(rows * 64), [rows, 64]) }],
});

describe('pending oversight-contrast halves', () => {
  it('are bounded in bytes, oldest first, not only in count', () => {
    const pending: Record<string, PendingHalf> = {};
    for (let i = 0; i < 10; i++) pending[`pair-${i}`] = half(`e${i}`, 100);
    const one = pendingBytes(pending['pair-0']);
    expect(one).toBeGreaterThan(100 * 64 * 4); // base64 of the vectors alone
    const dropped = boundPending(pending, { maxPairs: 32, maxBytes: 3.5 * one });
    expect(dropped).toEqual(Array.from({ length: 7 }, (_, i) => `pair-${i}`));
    expect(Object.keys(pending)).toEqual(['pair-7', 'pair-8', 'pair-9']);
    const total = Object.values(pending).reduce((n, h) => n + pendingBytes(h), 0);
    expect(total).toBeLessThanOrEqual(3.5 * one);
  });

  it('are bounded in count too', () => {
    const pending: Record<string, PendingHalf> = {};
    for (let i = 0; i < 5; i++) pending[`pair-${i}`] = half(`e${i}`, 2);
    expect(boundPending(pending, { maxPairs: 2, maxBytes: 1e9 })).toEqual(['pair-0', 'pair-1', 'pair-2']);
  });
});
