import { decodeVectors, type ActivationBatch, type Vectors } from '@damon/contracts';
import { matrix, pickRows, type Matrix } from '@damon/detectors';

export interface PreparedActivations {
  event: ActivationBatch;
  itemIds: string[];
  layers: Map<string, Matrix>;
}

/** Rows of one framed batch, as far as pairing needs them. */
export interface PairedHalf {
  itemIds: string[];
  layers: Map<string, Matrix>;
}

/** One framed half kept in stream_state until its partner arrives (vectors as on the bus). */
export interface PendingHalf {
  eventId: string;
  occurredAt: string;
  variant: 'observed' | 'unobserved';
  itemIds: string[];
  layers: { name: string; vectors: Vectors }[];
}

export function toPending(event: ActivationBatch): PendingHalf {
  return {
    eventId: event.eventId,
    occurredAt: event.occurredAt,
    variant: event.framing!.variant,
    itemIds: event.items.map((i) => i.itemId),
    layers: event.layers.map((l) => ({ name: l.name, vectors: l.vectors })),
  };
}

export function fromPending(half: PendingHalf): PairedHalf {
  const layers = new Map(
    half.layers.map((l) => {
      const decoded = decodeVectors(l.vectors);
      return [l.name, matrix(decoded.rows, decoded.cols, decoded.values)] as const;
    }),
  );
  return { itemIds: half.itemIds, layers };
}

/** Serialized size of a pending half, what it costs in stream_state on every rewrite. */
export function pendingBytes(half: PendingHalf): number {
  return Buffer.byteLength(JSON.stringify(half));
}

/**
 * Keeps `incoming` (unless it alone exceeds the budget) and drops the oldest halves until both the
 * count and the serialized bytes are within bounds: a half whose partner never comes must not grow
 * the subject's state, which is rewritten on every event. Returns the ids dropped.
 */
export function boundPending(
  pending: Record<string, PendingHalf>,
  limits: { maxPairs: number; maxBytes: number },
): string[] {
  const ids = Object.keys(pending);
  const sizes = new Map(ids.map((id) => [id, pendingBytes(pending[id])]));
  let total = [...sizes.values()].reduce((a, b) => a + b, 0);
  const dropped: string[] = [];
  for (const id of ids) {
    if (ids.length - dropped.length <= limits.maxPairs && total <= limits.maxBytes) break;
    total -= sizes.get(id)!;
    delete pending[id];
    dropped.push(id);
  }
  return dropped;
}

/** Rows of both variants for the item ids they share, in the observed batch's order. */
export function matchItems(observed: PairedHalf, unobserved: PairedHalf) {
  const index = new Map(unobserved.itemIds.map((id, i) => [id, i]));
  const pairs = observed.itemIds
    .map((id, i) => [id, i, index.get(id)] as const)
    .filter((p): p is readonly [string, number, number] => p[2] !== undefined);
  const pick = (source: PairedHalf, which: 1 | 2) =>
    new Map(
      [...source.layers].map(
        ([name, m]) =>
          [
            name,
            pickRows(
              m,
              pairs.map((p) => p[which]),
            ),
          ] as const,
      ),
    );
  return { itemIds: pairs.map((p) => p[0]), observed: pick(observed, 1), unobserved: pick(unobserved, 2) };
}
