import { pooledEvidence, type FusionEvidence } from '@damon/detectors';
import type { StreamState } from '@damon/monitor-kit';

/**
 * Batches of a subject whose fusion evidence is pooled into the adaptive weights: this one and the
 * 15 before it. A persistent anomaly in one layer that only a few items of each batch carry gives a
 * per-batch excess of small p-values too weak to stand out from ten noise components (z ≈ 1–2); over
 * 16 batches it grows by 4×, while on clean data the pooled z stays standard normal, so the weights stay
 * near equal there. Sixteen batches also bound how long the weights remember an anomaly that stopped.
 */
export const FUSION_MEMORY_BATCHES = 16;

/** Stream-state key of the pool; its components signature resets it when the fitted components change. */
const KEY = 'fusionEvidence';

interface StoredMemory {
  components: string;
  batches: FusionEvidence[];
}

/** The subject's recent batches' evidence over the same components, pooled, or undefined if none. */
export function priorEvidence(
  stream: StreamState,
  components: string,
): { evidence: FusionEvidence; batches: number } | undefined {
  const stored = stream[KEY] as StoredMemory | undefined;
  if (!stored || stored.components !== components || stored.batches.length === 0) return undefined;
  return { evidence: pooledEvidence(stored.batches), batches: stored.batches.length };
}

/** Adds a batch's evidence, keeping the last FUSION_MEMORY_BATCHES − 1 for the next batch's pool. */
export function rememberEvidence(stream: StreamState, components: string, evidence: FusionEvidence): void {
  const stored = stream[KEY] as StoredMemory | undefined;
  const kept = stored && stored.components === components ? stored.batches : [];
  const batches = [...kept, { logSum: [...evidence.logSum], items: evidence.items }];
  stream[KEY] = { components, batches: batches.slice(-(FUSION_MEMORY_BATCHES - 1)) } satisfies StoredMemory;
}

/** Which components the evidence counts are over, in order (their state keys). */
export function componentsSignature(components: readonly { key: string }[]): string {
  return components.map((c) => c.key).join(',');
}
