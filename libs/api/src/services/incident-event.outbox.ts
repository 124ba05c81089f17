import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Bus } from '@damon/bus';
import { validateEvent, type IncidentChange, type IncidentEvent } from '@damon/contracts';
import { DataSource } from 'typeorm';
import { API_BUS, API_DATA_SOURCE } from '../tokens';
import { selectRows, type Queryable } from './sql';

interface SnapshotRow {
  id: string;
  version: number;
  severity: number;
  stages: string[];
  alert_ids: string[] | null;
  subjects: { kind: 'model' | 'dataset' | 'run' | 'edit'; id: string }[] | null;
}

/**
 * IncidentEvents for changes made through the API (resolve, reopen), through the correlator's
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

  /** Writes the event for the incident's current state (call after its version was bumped); returns its id. */
  async enqueue(db: Queryable, incidentId: string, change: IncidentChange): Promise<string> {
    const [s] = await selectRows<SnapshotRow>(
      db,
      `SELECT i.id, i.version, i.severity, i.stages,
         (SELECT array_agg(a.alert_id ORDER BY a.alert_id) FROM incident_alerts a WHERE a.incident_id = i.id) AS alert_ids,
         (SELECT json_agg(json_build_object('kind', s.subject_kind, 'id', s.subject_id) ORDER BY s.subject_kind, s.subject_id)
            FROM incident_subjects s WHERE s.incident_id = i.id) AS subjects
       FROM incidents i WHERE i.id = $1`,
      [incidentId],
    );
    // Named after the version, as the correlator names its events: a re-publish keeps the id.
    const candidate = {
      eventId: `${s.id}:v${s.version}:${change}`,
      schemaVersion: 1 as const,
      occurredAt: new Date().toISOString(),
      subject: { kind: 'incident' as const, id: s.id },
      change,
      severity: s.severity,
      stages: [...s.stages].sort(),
      subjects: s.subjects ?? [],
      alertIds: s.alert_ids ?? [],
    };
    const valid = validateEvent('damon.incidents', candidate);
    if (!valid.ok) throw new Error(`incident event for ${s.id} is invalid: ${valid.reason}`);
    await db.query(
      `INSERT INTO incident_outbox (event_id, incident_id, payload) VALUES ($1, $2, $3::jsonb) ON CONFLICT (event_id) DO NOTHING`,
      [valid.value.eventId, incidentId, JSON.stringify(valid.value)],
    );
    return valid.value.eventId;
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
