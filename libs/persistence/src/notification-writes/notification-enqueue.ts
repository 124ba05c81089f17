import type { ArtifactKind, ArtifactRef, IncidentChange, IncidentEvent, Stage } from '@damon/contracts';
import { rowsOf, type SqlRunner } from '../incident-writes/sql-runner';
import { routeMatches } from './route-match';

/** The notification as stored in the outbox: the webhook's JSON body (before signing). */
export interface NotificationPayload {
  schemaVersion: 1;
  /** Incident id + change sequence: the same on every retry of this notification. */
  idempotencyKey: string;
  /** The same for every notification of one incident. */
  dedupKey: string;
  receiver: string;
  /** `resolved` once the incident is resolved (or merged into another). */
  status: 'firing' | 'resolved';
  change: IncidentChange;
  /** Sent again because the incident is still open after the route's repeat interval. */
  repeat: boolean;
  occurredAt: string;
  incident: {
    id: string;
    severity: number;
    stages: Stage[];
    subjects: ArtifactRef[];
    alertCount: number;
    mergedInto?: string;
  };
}

interface RouteRow {
  id: string;
  receiver_id: string;
  receiver_name: string;
  min_severity: number;
  stages: Stage[];
  subjects: { kind: ArtifactKind; id?: string }[];
  send_resolved: boolean;
}

interface QueuedNotification {
  payload: NotificationPayload;
  receiverId: string;
  routeId: string;
  silenced: boolean;
}

/** The dedup key of an incident's notifications. */
export function notificationDedupKey(incidentId: string): string {
  return `damon:${incidentId}`;
}

/**
 * Queues the notifications of these incident events in `notification_outbox`, inside the caller's
 * transaction (the one that wrote the events): one row per event and receiver whose routes match,
 * keyed by the event id (incident id + change sequence), so writing the same event again queues
 * nothing. A change of an incident every alert of which an active silence mutes is recorded as
 * `silenced` and never sent.
 */
export async function enqueueNotifications(
  db: SqlRunner,
  events: readonly IncidentEvent[],
  now: Date,
): Promise<number> {
  if (events.length === 0) return 0;
  const routes = await loadRoutes(db);
  if (routes.length === 0) return 0;
  const silenced = await silencedIncidents(
    db,
    events.map((e) => e.subject.id),
    now,
  );
  const queued: QueuedNotification[] = [];
  for (const e of events) {
    const seen = new Set<string>();
    for (const route of routes) {
      if (seen.has(route.receiver_id)) continue;
      const match = routeMatches(
        {
          minSeverity: route.min_severity,
          stages: route.stages,
          subjects: route.subjects,
          sendResolved: route.send_resolved,
        },
        e,
      );
      if (!match) continue;
      seen.add(route.receiver_id);
      queued.push({
        receiverId: route.receiver_id,
        routeId: route.id,
        silenced: silenced.has(e.subject.id),
        payload: {
          schemaVersion: 1,
          idempotencyKey: e.eventId,
          dedupKey: notificationDedupKey(e.subject.id),
          receiver: route.receiver_name,
          status: e.change === 'resolved' || e.change === 'merged' ? 'resolved' : 'firing',
          change: e.change,
          repeat: false,
          occurredAt: e.occurredAt,
          incident: {
            id: e.subject.id,
            severity: e.severity,
            stages: e.stages,
            subjects: e.subjects,
            alertCount: e.alertIds.length,
            ...(e.mergedInto !== undefined ? { mergedInto: e.mergedInto } : {}),
          },
        },
      });
    }
  }
  return insertQueued(db, queued, now);
}

/**
 * Queues a repeat for every open incident whose last notification to a receiver is older than the
 * repeat interval of the route that sent it; returns how many. The key counts the repeats of the
 * incident's current version, so two schedulers (or a restart) queue each repeat once.
 */
export async function enqueueRepeats(db: SqlRunner, now: Date): Promise<number> {
  const due = await rowsOf<{
    incident_id: string;
    receiver_id: string;
    route_id: string;
    receiver_name: string;
    version: number;
    severity: number;
    stages: Stage[];
    alert_count: number;
    repeats: number;
    subjects: ArtifactRef[] | null;
  }>(
    db,
    `WITH last AS (
       SELECT DISTINCT ON (o.incident_id, o.receiver_id) o.incident_id, o.receiver_id, o.route_id, o.created_at
       FROM notification_outbox o JOIN incidents i ON i.id = o.incident_id AND i.status = 'open'
       ORDER BY o.incident_id, o.receiver_id, o.created_at DESC, o.seq DESC
     )
     SELECT l.incident_id, l.receiver_id, l.route_id, rc.name AS receiver_name, i.version, i.severity, i.stages, i.alert_count,
       (SELECT count(*)::int FROM notification_outbox p WHERE p.incident_id = l.incident_id AND p.receiver_id = l.receiver_id
          AND p.idempotency_key LIKE i.id || ':v' || i.version || ':repeat:%') AS repeats,
       (SELECT json_agg(json_build_object('kind', s.subject_kind, 'id', s.subject_id) ORDER BY s.subject_kind, s.subject_id)
          FROM incident_subjects s WHERE s.incident_id = i.id) AS subjects
     FROM last l
     JOIN notification_routes r ON r.id = l.route_id AND r.repeat_interval_seconds IS NOT NULL
     JOIN notification_receivers rc ON rc.id = l.receiver_id
     JOIN incidents i ON i.id = l.incident_id
     WHERE l.created_at <= $1::timestamptz - make_interval(secs => r.repeat_interval_seconds)`,
    [now],
  );
  if (due.length === 0) return 0;
  const silenced = await silencedIncidents(
    db,
    due.map((d) => d.incident_id),
    now,
  );
  return insertQueued(
    db,
    due.map((d) => ({
      receiverId: d.receiver_id,
      routeId: d.route_id,
      silenced: silenced.has(d.incident_id),
      payload: {
        schemaVersion: 1,
        idempotencyKey: `${d.incident_id}:v${d.version}:repeat:${d.repeats + 1}`,
        dedupKey: notificationDedupKey(d.incident_id),
        receiver: d.receiver_name,
        status: 'firing',
        change: 'opened',
        repeat: true,
        occurredAt: now.toISOString(),
        incident: {
          id: d.incident_id,
          severity: d.severity,
          stages: [...d.stages].sort(),
          subjects: d.subjects ?? [],
          alertCount: d.alert_count,
        },
      },
    })),
    now,
  );
}

async function loadRoutes(db: SqlRunner): Promise<RouteRow[]> {
  return rowsOf<RouteRow>(
    db,
    `SELECT r.id, r.receiver_id, rc.name AS receiver_name, r.min_severity, r.stages, r.subjects, r.send_resolved
     FROM notification_routes r JOIN notification_receivers rc ON rc.id = r.receiver_id
     ORDER BY r.created_at, r.id`,
  );
}

/**
 * Incidents every alert of which an active silence mutes now (the silences' matchers, as the
 * correlator applies them to alerts: every non-null matcher must hold).
 */
async function silencedIncidents(
  db: SqlRunner,
  incidentIds: readonly string[],
  now: Date,
): Promise<Set<string>> {
  const rows = await rowsOf<{ incident_id: string }>(
    db,
    `SELECT q.incident_id FROM unnest($1::text[]) AS q(incident_id)
     WHERE EXISTS (SELECT 1 FROM incident_alerts ia WHERE ia.incident_id = q.incident_id)
       AND NOT EXISTS (
         SELECT 1 FROM incident_alerts ia JOIN alerts a ON a.alert_id = ia.alert_id
         WHERE ia.incident_id = q.incident_id AND NOT EXISTS (
           SELECT 1 FROM silences s
           WHERE s.starts_at <= $2 AND s.ends_at > $2
             AND (s.detector IS NOT NULL OR s.subject_kind IS NOT NULL OR s.subject_id IS NOT NULL OR s.stage IS NOT NULL)
             AND (s.detector IS NULL OR s.detector = a.detector)
             AND (s.subject_kind IS NULL OR s.subject_kind = a.subject_kind)
             AND (s.subject_id IS NULL OR s.subject_id = a.subject_id)
             AND (s.stage IS NULL OR s.stage = a.stage)))`,
    [[...new Set(incidentIds)], now],
  );
  return new Set(rows.map((r) => r.incident_id));
}

async function insertQueued(
  db: SqlRunner,
  queued: readonly QueuedNotification[],
  now: Date,
): Promise<number> {
  if (queued.length === 0) return 0;
  const rows = await rowsOf<{ seq: string }>(
    db,
    `INSERT INTO notification_outbox (idempotency_key, dedup_key, incident_id, change, receiver_id, route_id, payload, status, next_attempt_at, created_at)
     SELECT q.key, q.dedup, q.incident, q.change, q.receiver::uuid, q.route::uuid, q.payload::jsonb, q.status, $9, $9
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
       AS q(key, dedup, incident, change, receiver, route, payload, status)
     ON CONFLICT (receiver_id, idempotency_key) DO NOTHING
     RETURNING seq`,
    [
      queued.map((q) => q.payload.idempotencyKey),
      queued.map((q) => q.payload.dedupKey),
      queued.map((q) => q.payload.incident.id),
      queued.map((q) => (q.payload.repeat ? 'repeat' : q.payload.change)),
      queued.map((q) => q.receiverId),
      queued.map((q) => q.routeId),
      queued.map((q) => JSON.stringify(q.payload)),
      queued.map((q) => (q.silenced ? 'silenced' : 'pending')),
      now,
    ],
  );
  return rows.length;
}
