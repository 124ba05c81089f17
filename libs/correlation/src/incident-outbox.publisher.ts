import { Inject, Injectable, Logger } from '@nestjs/common';
import { validateEvent, type IncidentEvent } from '@damon/contracts';
import type { Bus } from '@damon/bus';
import type { DataSource } from 'typeorm';
import { CORRELATION_BUS, CORRELATION_DATA_SOURCE } from './tokens';

const DRAIN_BATCH = 500;

/**
 * Drains incident_outbox to damon.incidents after the transactions that wrote it committed. Rows are
 * locked (SKIP LOCKED) while published and marked in the same transaction, so two instances never
 * publish the same row concurrently; a crash after publishing but before the mark re-publishes the
 * same event ids, which consumers of damon.incidents dedupe.
 */
@Injectable()
export class IncidentOutboxPublisher {
  private running: Promise<void> | undefined;
  private again = false;
  /** Nest's logger: the app's JsonLogger in every service. */
  private readonly logger = new Logger('IncidentOutboxPublisher');

  constructor(
    @Inject(CORRELATION_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(CORRELATION_BUS) private readonly bus: Bus,
  ) {}

  /** Starts a drain now, or one more right after the drain under way. Errors are retried by the next wake. */
  wake(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
  }

  /** Resolves once no drain is running (the one under way, and any requested during it, finished). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Publishes every pending event; returns how many. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const published = await this.dataSource.transaction(async (manager) => {
        const rows: unknown = await manager.query(
          `SELECT seq, payload FROM incident_outbox WHERE published_at IS NULL ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED`,
          [DRAIN_BATCH],
        );
        const pending = rows as { seq: string; payload: unknown }[];
        if (pending.length === 0) return 0;
        const events: IncidentEvent[] = pending.map((row) => {
          const valid = validateEvent('damon.incidents', row.payload);
          if (!valid.ok) throw new Error(`outbox row ${row.seq} is not an IncidentEvent: ${valid.reason}`);
          return valid.value;
        });
        await this.bus.publishMany('damon.incidents', events);
        await manager.query(`UPDATE incident_outbox SET published_at = now() WHERE seq = ANY($1::bigint[])`, [
          pending.map((r) => r.seq),
        ]);
        return pending.length;
      });
      total += published;
      if (published < DRAIN_BATCH) return total;
    }
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.drain();
      } catch (error) {
        // Left in the outbox: the scheduler's next tick (or the next commit) tries again.
        this.logger.warn(
          `incident outbox drain failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    } while (this.again);
  }
}
