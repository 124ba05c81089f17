import { describe, expect, it } from 'vitest';
import { CountCache } from './count-cache';

describe('CountCache', () => {
  it('runs one count per key and ttl, shared by concurrent callers', async () => {
    const cache = new CountCache(1_000);
    let runs = 0;
    const count = () => Promise.resolve(++runs);
    const [a, b] = await Promise.all([cache.get('k', count, 0), cache.get('k', count, 10)]);
    expect([a, b, runs]).toEqual([1, 1, 1]);
    expect(await cache.get('other', count, 20)).toBe(2);
    expect(await cache.get('k', count, 999)).toBe(1);
    expect(await cache.get('k', count, 1_000)).toBe(3);
  });

  it('forgets a failed count and evicts the oldest key beyond its size', async () => {
    const cache = new CountCache(1_000, 2);
    await expect(cache.get('k', () => Promise.reject(new Error('down')), 0)).rejects.toThrow('down');
    expect(await cache.get('k', () => Promise.resolve(7), 1)).toBe(7);
    await cache.get('b', () => Promise.resolve(8), 2);
    await cache.get('c', () => Promise.resolve(9), 3);
    expect(await cache.get('k', () => Promise.resolve(10), 4)).toBe(10);
  });
});
