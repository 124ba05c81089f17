import type { PlatformCounts } from './platform';

/**
 * The live status line, at most once a second: rewritten in place on a terminal, printed as a new
 * line when it changed otherwise (a log file or a pipe gets no carriage returns).
 */
export class StatusLine {
  private timer?: NodeJS.Timeout;
  private last = '';
  private busy = false;

  constructor(
    private readonly read: () => Promise<PlatformCounts>,
    private readonly out: NodeJS.WriteStream,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), 1_000);
  }

  stop(): void {
    clearInterval(this.timer);
    if (this.out.isTTY && this.last) this.out.write('\n');
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const c = await this.read();
      const line = `events in ${c.eventsIn} · alerts ${c.alerts} · open incidents ${c.openIncidents}`;
      if (this.out.isTTY) this.out.write(`\r${line}\x1b[K`);
      else if (line !== this.last) this.out.write(`status: ${line}\n`);
      this.last = line;
    } catch {
      // A status read failing (e.g. while stopping) must not take the platform down.
    } finally {
      this.busy = false;
    }
  }
}
