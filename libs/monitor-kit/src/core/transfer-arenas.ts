/**
 * How a task's vector bytes cross to a compute worker: copied into one buffer (an arena) that
 * postMessage moves instead of cloning, and that the worker moves back with a score task's answer so
 * the next task reuses it.
 *
 * Why: a decoded event's vectors are views into the fetched record batch, and a structured clone
 * copies a view's whole underlying buffer (tens of MB a task, 20–90 ms of a 10-event task's main
 * thread in bench:pipeline), so the views are copied out and the copies moved. A fresh buffer a task
 * (1.6 MB an event at d = 768) was garbage in the worker after each task and a fresh allocation on
 * the main thread before it; an arena that comes back is allocated once (what it measured:
 * docs/monitor-throughput-log.md).
 */

/** Each array in an arena starts at a multiple of this, so typed views of any element width fit. */
const ALIGN = 8;
const MIB = 1 << 20;

/**
 * `value` with every byte array (`Uint8Array`, including `VectorBytes`) replaced by `replace(bytes)`.
 * Plain objects and arrays on the way to a replaced array are copied shallowly; the rest (other
 * typed arrays, class instances, anything without byte arrays below it) is shared, and `value`
 * itself is left as it was.
 */
export function mapByteArrays<T>(value: T, replace: (bytes: Uint8Array) => Uint8Array): T {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Uint8Array) return replace(value) as T;
  if (ArrayBuffer.isView(value)) return value;
  if (Array.isArray(value)) {
    let copied: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const child: unknown = value[i];
      if (child === null || typeof child !== 'object') continue;
      const moved = mapByteArrays(child, replace);
      if (moved !== child) (copied ??= [...(value as unknown[])])[i] = moved;
    }
    return (copied ?? value) as T;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  let copied: Record<string, unknown> | undefined;
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    if (child === null || typeof child !== 'object') continue;
    const moved = mapByteArrays(child, replace);
    if (moved !== child) (copied ??= { ...(value as Record<string, unknown>) })[key] = moved;
  }
  return (copied ?? value) as T;
}

const aligned = (bytes: number) => Math.ceil(bytes / ALIGN) * ALIGN;

/** The arena bytes `value`'s byte arrays take, each aligned. */
export function packedLength(value: unknown): number {
  let total = 0;
  mapByteArrays(value, (bytes) => {
    total += aligned(bytes.byteLength);
    return bytes;
  });
  return total;
}

/**
 * `value` with each byte array copied into `arena` (a plain Uint8Array at an aligned offset: a
 * structured clone keeps no subclass anyway), in walk order. The arena must hold
 * `packedLength(value)` bytes.
 */
export function packByteArrays<T>(value: T, arena: ArrayBuffer): T {
  let offset = 0;
  return mapByteArrays(value, (bytes) => {
    const copy = new Uint8Array(arena, offset, bytes.byteLength);
    copy.set(bytes);
    offset += aligned(bytes.byteLength);
    return copy;
  });
}

/** Whether an ArrayBuffer view anywhere in `value` (plain objects and arrays walked) is a view of `buffer`. */
export function holdsViewOf(value: unknown, buffer: ArrayBuffer): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (ArrayBuffer.isView(value)) return value.buffer === buffer;
  if (value === buffer) return true;
  if (Array.isArray(value)) return value.some((child) => holdsViewOf(child, buffer));
  if (value instanceof Map) return [...value.values()].some((child) => holdsViewOf(child, buffer));
  return Object.values(value).some((child) => holdsViewOf(child, buffer));
}

/**
 * Arenas not in use, for the next tasks. `take` gives the smallest free one that is large enough
 * (or a new one, rounded up to whole MiB with a quarter of headroom so that slightly larger tasks
 * fit it later); `give` keeps at most `limit` of them, the largest.
 */
export class TransferArenas {
  /** The free arenas (tests read them; only take and give change them). */
  readonly free: ArrayBuffer[] = [];

  constructor(private readonly limit: number) {}

  take(bytes: number): ArrayBuffer {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const size = this.free[i].byteLength;
      if (size >= bytes && (best < 0 || size < this.free[best].byteLength)) best = i;
    }
    if (best >= 0) return this.free.splice(best, 1)[0];
    return new ArrayBuffer(Math.ceil((bytes * 1.25) / MIB) * MIB);
  }

  give(arena: ArrayBuffer): void {
    if (arena.byteLength === 0) return; // detached: moved elsewhere
    this.free.push(arena);
    if (this.free.length > this.limit) {
      this.free.sort((a, b) => b.byteLength - a.byteLength);
      this.free.length = this.limit;
    }
  }
}
