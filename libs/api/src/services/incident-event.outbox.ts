import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Bus } from '@damon/bus';
import type { IncidentEvent } from '@damon/contracts';
import { enqueueIncidentEvents, type IncidentAnnouncement, type SqlRunner } from '@damon/persistence';
import { DataSource } from 'typeorm';
import { API_BUS, API_DATA_SOURCE } from '../tokens';
import { selectRows } from './sql';

/**
 * IncidentEvents for changes made through the API (every triage change), through the correlator's
 * outbox table: written in the mutation's transaction, published right after commit. A row this
 * process fails to publish stays pending and the correlator's outbox drain publishes it.
 */
@Injectable()
export class IncidentEventOutbox {
  private readonly logger = new Logger(IncidentEventOutbox.name);

  constructor(
    @Inject(API_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(API_BUS) private readonly bus: Bus,
  ) {}

  /** Writes the events for the incidents' current state in the caller's transaction; their ids. */
  enqueue(db: SqlRunner, announcements: readonly IncidentAnnouncement[]): Promise<string[]> {
    return enqueueIncidentEvents(db, announcements, new Date());
  }

  /** Publishes the given outbox events if still pending (rows another drain holds are skipped). */
  async publish(eventIds: readonly string[]): Promise<void> {
    if (eventIds.length === 0) return;
    try {
      await this.dataSource.transaction(async (manager) => {
        const rows = await selectRows<{ seq: string; payload: unknown }>(
          manager,
          `SELECT seq, payload FROM incident_outbox WHERE event_id = ANY($1::text[]) AND published_at IS NULL ORDER BY seq FOR UPDATE SKIP LOCKED`,
          [eventIds],
        );
        if (rows.length === 0) return;
        const events = rows.map((r) => r.payload as IncidentEvent);
        await this.bus.publishMany('damon.incidents', events);
        await manager.query(`UPDATE incident_outbox SET published_at = now() WHERE seq = ANY($1::bigint[])`, [
          rows.map((r) => r.seq),
        ]);
      });
    } catch (error) {
      this.logger.warn(
        `incident events ${eventIds.join(', ')} left in the outbox: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}
