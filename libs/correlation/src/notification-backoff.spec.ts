import { describe, expect, it } from 'vitest';
import { retryDelayMs } from './notification-backoff';

describe('retryDelayMs', () => {
  it('doubles from the base per failed attempt', () => {
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(n, 100, 1e9))).toEqual([100, 200, 400, 800, 1600]);
  });

  it('is capped', () => {
    expect(retryDelayMs(10, 1_000, 300_000)).toBe(300_000);
    expect(retryDelayMs(9, 1_000, 300_000)).toBe(256_000);
    expect(retryDelayMs(5_000, 1_000, 300_000)).toBe(300_000);
  });

  it('refuses an attempt count below one', () => {
    expect(() => retryDelayMs(0, 100, 1_000)).toThrow(RangeError);
    expect(() => retryDelayMs(1.5, 100, 1_000)).toThrow(RangeError);
  });
});
