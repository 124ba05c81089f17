/** Lets an idle loop sleep until something happened (a publish, a rebalance, a released partition). */
export class WakeSignal {
  private waiters: (() => void)[] = [];
  private pending = false;

  notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    if (waiters.length === 0) this.pending = true;
    waiters.forEach((wake) => wake());
  }

  /** Resolves on the next `notify` (or at once if one came since the last wait), or after `timeoutMs`. */
  wait(timeoutMs: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const waiters = this.waiters;
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      waiters.push(done);
    });
  }
}
