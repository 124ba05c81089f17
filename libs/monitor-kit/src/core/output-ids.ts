import { createHash } from 'node:crypto';

/**
 * Ids derived from what produced them, so reprocessing an input (after a crash, a rebalance)
 * yields the same alert and score ids and consumers can deduplicate by id.
 */
export function derivedId(prefix: string, parts: readonly string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\u0000');
  return `${prefix}-${hash.digest('hex').slice(0, 32)}`;
}
