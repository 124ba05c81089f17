import { describe, expect, it } from 'vitest';
import { LIMITS } from '@damon/contracts';
import { boundedIds } from './evidence-ids';

describe('ids listed in evidence', () => {
  it('stop at the count or the byte budget, whichever comes first, and say how many were left out', () => {
    const short = Array.from({ length: 300 }, (_, i) => `s${i}`);
    expect(boundedIds(short, 200)).toEqual({ listed: short.slice(0, 200), notListed: 100 });
    const long = Array.from({ length: 300 }, (_, i) => `${i}`.padEnd(LIMITS.maxIdLength, 'x'));
    const bounded = boundedIds(long, 200);
    expect(bounded.listed.length).toBeLessThan(70);
    expect(bounded.listed.length + bounded.notListed).toBe(300);
    expect(Buffer.byteLength(JSON.stringify(bounded.listed))).toBeLessThanOrEqual(16 * 1024);
  });
});
