import {
  validateEvent,
  type ArtifactKind,
  type IncidentChange,
  type IncidentEvent,
  type TriageChange,
} from '@damon/contracts';
import { enqueueNotifications } from '../notification-writes/notification-enqueue';
import { rowsOf, type SqlRunner } from './sql-runner';

/** One incident event to write to the outbox. */
export interface IncidentAnnouncement {
  incidentId: string;
  change: IncidentChange;
  /** For `merged`. */
  mergedInto?: string;
  /**
   * A person's triage change (schemaVersion 2), with the `seq` of its timeline entry, which names
   * the event: triage does not bump the incident's version.
   */
  triage?: { change: TriageChange; timelineSeq: string };
}

interface SnapshotRow {
  id: string;
  version: number;
  severity: number;
  stages: string[];
  alert_ids: string[] | null;
  subjects: { kind: ArtifactKind; id: string }[] | null;
}

/**
 * Writes incident events to `incident_outbox` with the incidents' state as of now, inside the
 * caller's transaction (the correlator's batch or an API mutation); returns their event ids. The
 * correlator's outbox drain (and the API right after its commit) publishes them to damon.incidents.
 * Ids are derived from what changed, so a re-publish after a crash keeps its id. The notifications
 * the events route to are queued in the same transaction (notification_outbox).
 */
export async function enqueueIncidentEvents(
  db: SqlRunner,
  announcements: readonly IncidentAnnouncement[],
  now: Date,
): Promise<string[]> {
  if (announcements.length === 0) return [];
  const rows = await rowsOf<SnapshotRow>(
    db,
    `SELECT i.id, i.version, i.severity, i.stages,
       (SELECT array_agg(a.alert_id ORDER BY a.alert_id) FROM incident_alerts a WHERE a.incident_id = i.id) AS alert_ids,
       (SELECT json_agg(json_build_object('kind', s.subject_kind, 'id', s.subject_id) ORDER BY s.subject_kind, s.subject_id)
          FROM incident_subjects s WHERE s.incident_id = i.id) AS subjects
     FROM incidents i WHERE i.id = ANY($1::text[])`,
    [[...new Set(announcements.map((a) => a.incidentId))]],
  );
  const snapshots = new Map(rows.map((r) => [r.id, r]));
  const events: IncidentEvent[] = announcements.map((a) => {
    const s = snapshots.get(a.incidentId);
    if (!s) throw new Error(`incident ${a.incidentId} vanished before its event was written`);
    const base = {
      occurredAt: now.toISOString(),
      subject: { kind: 'incident' as const, id: s.id },
      change: a.change,
      severity: s.severity,
      stages: [...s.stages].sort(),
      subjects: (s.subjects ?? []).map((r) => ({ kind: r.kind, id: r.id })),
      alertIds: s.alert_ids ?? [],
      ...(a.mergedInto !== undefined ? { mergedInto: a.mergedInto } : {}),
    };
    const candidate = a.triage
      ? {
          ...base,
          eventId:
            a.change === 'triaged'
              ? `${s.id}:t${a.triage.timelineSeq}:${a.triage.change.action}`
              : `${s.id}:v${s.version}:${a.change}`,
          schemaVersion: 2 as const,
          triage: a.triage.change,
        }
      : { ...base, eventId: `${s.id}:v${s.version}:${a.change}`, schemaVersion: 1 as const };
    const valid = validateEvent('damon.incidents', candidate);
    if (!valid.ok) throw new Error(`incident event for ${s.id} is invalid: ${valid.reason}`);
    return valid.value;
  });
  const inserted = await rowsOf<{ event_id: string }>(
    db,
    `INSERT INTO incident_outbox (event_id, incident_id, payload, created_at)
     SELECT e.event_id, e.incident_id, e.payload::jsonb, $4 FROM unnest($1::text[], $2::text[], $3::text[]) AS e(event_id, incident_id, payload)
     ON CONFLICT (event_id) DO NOTHING
     RETURNING event_id`,
    [
      events.map((e) => e.eventId),
      events.map((e) => e.subject.id),
      events.map((e) => JSON.stringify(e)),
      now,
    ],
  );
  // The notifications of these changes commit with them (an event written before queued its own).
  const fresh = new Set(inserted.map((r) => r.event_id));
  await enqueueNotifications(
    db,
    events.filter((e) => fresh.has(e.eventId)),
    now,
  );
  return events.map((e) => e.eventId);
}
