/** Bytes of item ids one alert's evidence may list: well inside LIMITS.maxEvidenceBytes with the rest. */
export const EVIDENCE_IDS_MAX_BYTES = 16 * 1024;

/**
 * The first ids that fit in `maxCount` and `maxBytes` of JSON, and how many did not: evidence must
 * stay under the contract's byte limit whatever the length of the ids (up to 256 characters each).
 */
export function boundedIds(
  ids: readonly string[],
  maxCount: number,
  maxBytes = EVIDENCE_IDS_MAX_BYTES,
): { listed: string[]; notListed: number } {
  const listed: string[] = [];
  let bytes = 2;
  for (const id of ids) {
    const size = Buffer.byteLength(JSON.stringify(id)) + 1;
    if (listed.length >= maxCount || bytes + size > maxBytes) break;
    listed.push(id);
    bytes += size;
  }
  return { listed, notListed: ids.length - listed.length };
}
