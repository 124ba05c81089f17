/**
 * Delay before the attempt after `attempts` failed ones: `baseMs · 2^(attempts−1)`, capped at
 * `maxMs` (exponential back-off without jitter: the sender spreads load by polling, not by chance).
 */
export function retryDelayMs(attempts: number, baseMs: number, maxMs: number): number {
  if (!Number.isInteger(attempts) || attempts < 1)
    throw new RangeError(`attempts must be ≥ 1, got ${attempts}`);
  // 2^exponent overflows to Infinity long after the cap, and min() keeps the cap.
  return Math.min(maxMs, baseMs * 2 ** Math.min(attempts - 1, 1_000));
}
