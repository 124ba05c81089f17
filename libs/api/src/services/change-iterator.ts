/** Most values a slow subscriber may have waiting before new ones are dropped. */
const MAX_QUEUED = 1_000;

/**
 * A push-fed async iterator for one GraphQL subscription: values accepted by the filter are queued
 * until the client takes them; `return()` (client gone, or shutdown) ends it and unregisters it.
 */
export class ChangeIterator<T> implements AsyncIterableIterator<T> {
  private readonly queue: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private finished = false;

  constructor(
    private readonly accept: (value: T) => boolean,
    private readonly onClose: () => void,
  ) {}

  /** False when the value was dropped because the queue is full. */
  push(value: T): boolean {
    if (this.finished || !this.accept(value)) return true;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value, done: false });
      return true;
    }
    if (this.queue.length >= MAX_QUEUED) return false;
    this.queue.push(value);
    return true;
  }

  next(): Promise<IteratorResult<T>> {
    const value = this.queue.shift();
    if (value !== undefined) return Promise.resolve({ value, done: false });
    if (this.finished) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<T>> {
    if (!this.finished) {
      this.finished = true;
      this.queue.length = 0;
      this.onClose();
      this.waiting?.({ value: undefined, done: true });
      this.waiting = undefined;
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
