import { Injectable } from '@nestjs/common';
import type { ArtifactKind, ArtifactRef, LineageEdge, Stage } from '@damon/contracts';
import { enqueueIncidentEvents, LINEAGE_WALK_CTE } from '@damon/persistence';
import type { EntityManager } from 'typeorm';
import { artifactKey, parseArtifactKey, type ArtifactKey } from './artifact-key';
import type { CorrelationOutcome, TimelineNote } from './correlation-engine';
import { INGESTION_GAP_DETECTOR, type GapAlert } from './inhibition';
import type { DetectorVerdicts, IncidentState, IncidentStatus } from './incident-state';
import { LineageGraph, type LineageLink } from './lineage-graph';
import type { SeverityTerms, VerdictCounts } from './severity';
import type { SilenceMatchers, SilenceRule } from './silence-matcher';

export const CORRELATOR_ACTOR = 'correlator';

async function query<T>(manager: EntityManager, sql: string, params: unknown[] = []): Promise<T[]> {
  const rows: unknown = await manager.query(sql, params);
  return rows as T[];
}

interface IncidentRow {
  id: string;
  status: IncidentStatus;
  announced: boolean;
  severity: number;
  stages: Stage[];
  detector_min_p: Record<string, number>;
  detector_min_count_p: Record<string, number>;
  detector_subjects: Record<string, string[]> | null;
  severity_terms: Partial<SeverityTerms>;
  alert_count: number;
  first_alert_at: Date;
  last_alert_at: Date;
  created_at: Date;
  merged_into: string | null;
  version: number;
}

/** The SQL side of correlation. Every method runs inside the caller's transaction (its manager). */
@Injectable()
export class CorrelationStore {
  /** Records the event ids as processed by `group`; returns those not processed before. */
  async claimEvents(
    manager: EntityManager,
    group: string,
    eventIds: readonly string[],
  ): Promise<Set<string>> {
    if (eventIds.length === 0) return new Set();
    const rows = await query<{ event_id: string }>(
      manager,
      `INSERT INTO processed_events (consumer_group, event_id) SELECT $1, unnest($2::text[])
       ON CONFLICT DO NOTHING RETURNING event_id`,
      [group, eventIds],
    );
    return new Set(rows.map((r) => r.event_id));
  }

  async recordArtifacts(manager: EntityManager, refs: Iterable<ArtifactRef>): Promise<void> {
    const unique = new Map<ArtifactKey, ArtifactRef>();
    for (const ref of refs) unique.set(artifactKey(ref), ref);
    if (unique.size === 0) return;
    const list = [...unique.values()];
    await manager.query(
      `INSERT INTO artifacts (kind, id) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING`,
      [list.map((r) => r.kind), list.map((r) => r.id)],
    );
  }

  /** Inserts lineage edges; returns the ones that were new. */
  async recordLineage(manager: EntityManager, edges: readonly LineageEdge[]): Promise<LineageLink[]> {
    if (edges.length === 0) return [];
    await this.recordArtifacts(
      manager,
      edges.flatMap((e) => [e.from, e.to]),
    );
    const rows = await query<EdgeRow>(
      manager,
      `INSERT INTO lineage_edges (from_kind, from_id, relation, to_kind, to_id, event_id, occurred_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[])
       ON CONFLICT DO NOTHING
       RETURNING from_kind, from_id, relation, to_kind, to_id`,
      [
        edges.map((e) => e.from.kind),
        edges.map((e) => e.from.id),
        edges.map((e) => e.relation),
        edges.map((e) => e.to.kind),
        edges.map((e) => e.to.id),
        edges.map((e) => e.eventId),
        edges.map((e) => e.occurredAt),
      ],
    );
    return rows.map(toLink);
  }

  /**
   * The lineage graph induced on every artifact within `hops` edges (undirected) of the seeds: every
   * path of at most `hops` edges from a seed lies inside it, so neighbourhoods and shortest paths
   * computed on it are exact.
   */
  async loadSubgraph(
    manager: EntityManager,
    seeds: Iterable<ArtifactKey>,
    hops: number,
  ): Promise<{ graph: LineageGraph; nodes: Set<ArtifactKey> }> {
    const refs = [...new Set(seeds)].map(parseArtifactKey);
    const nodes = new Set(refs.map(artifactKey));
    if (refs.length === 0 || hops <= 0) return { graph: new LineageGraph(), nodes };
    const rows = await query<EdgeRow>(
      manager,
      `${LINEAGE_WALK_CTE},
       nodes AS (SELECT DISTINCT kind, id FROM walk)
       SELECT e.from_kind, e.from_id, e.relation, e.to_kind, e.to_id
       FROM lineage_edges e
       JOIN nodes a ON a.kind = e.from_kind AND a.id = e.from_id
       JOIN nodes b ON b.kind = e.to_kind AND b.id = e.to_id`,
      [refs.map((r) => r.kind), refs.map((r) => r.id), hops],
    );
    const links = rows.map(toLink);
    for (const l of links) {
      nodes.add(l.from);
      nodes.add(l.to);
    }
    return { graph: new LineageGraph(links), nodes };
  }

  /** Open incidents with a subject among `subjects`, each with those of its subjects that are among them. */
  async loadOpenIncidentsNear(
    manager: EntityManager,
    subjects: Iterable<ArtifactKey>,
  ): Promise<IncidentState[]> {
    const refs = [...new Set(subjects)].map(parseArtifactKey);
    if (refs.length === 0) return [];
    const near = await query<{ incident_id: string; subject_kind: ArtifactKind; subject_id: string }>(
      manager,
      `SELECT s.incident_id, s.subject_kind, s.subject_id
       FROM incident_subjects s
       JOIN unnest($1::text[], $2::text[]) AS q(kind, id) ON q.kind = s.subject_kind AND q.id = s.subject_id
       JOIN incidents i ON i.id = s.incident_id AND i.status = 'open'`,
      [refs.map((r) => r.kind), refs.map((r) => r.id)],
    );
    if (near.length === 0) return [];
    const incidents = await query<IncidentRow>(
      manager,
      `SELECT * FROM incidents WHERE id = ANY($1::text[])`,
      [[...new Set(near.map((r) => r.incident_id))]],
    );
    const states = new Map(incidents.map((row) => [row.id, toState(row)]));
    for (const r of near)
      states.get(r.incident_id)?.subjects.add(artifactKey({ kind: r.subject_kind, id: r.subject_id }));
    return [...states.values()];
  }

  /**
   * Benign and deceptive verdicts per (detector, subject) pair, in one query: the incidents with a
   * verdict that hold at least one of that detector's alerts on that subject — the counts of view
   * `detector_precision`, computed from the pairs (through ix_alerts_subject_detector) rather than by
   * aggregating the whole view. Pairs without verdicts are absent.
   */
  async loadVerdicts(
    manager: EntityManager,
    pairs: Iterable<{ detector: string; subject: ArtifactKey }>,
  ): Promise<DetectorVerdicts> {
    const unique = new Map<string, { detector: string; subject: ArtifactRef }>();
    for (const p of pairs)
      unique.set(JSON.stringify([p.detector, p.subject]), {
        detector: p.detector,
        subject: parseArtifactKey(p.subject),
      });
    const result = new Map<string, Map<ArtifactKey, VerdictCounts>>();
    if (unique.size === 0) return result;
    const list = [...unique.values()];
    const rows = await query<{
      detector: string;
      subject_kind: ArtifactKind;
      subject_id: string;
      benign: number;
      deceptive: number;
    }>(
      manager,
      `SELECT q.detector, q.kind AS subject_kind, q.id AS subject_id,
         count(DISTINCT t.incident_id) FILTER (WHERE t.verdict = 'benign')::int AS benign,
         count(DISTINCT t.incident_id) FILTER (WHERE t.verdict = 'deceptive')::int AS deceptive
       FROM unnest($1::text[], $2::text[], $3::text[]) AS q(detector, kind, id)
       JOIN alerts a ON a.subject_kind = q.kind AND a.subject_id = q.id AND a.detector = q.detector
       JOIN incident_alerts ia ON ia.alert_id = a.alert_id
       JOIN incident_triage t ON t.incident_id = ia.incident_id AND t.verdict IN ('benign', 'deceptive')
       GROUP BY q.detector, q.kind, q.id`,
      [list.map((p) => p.detector), list.map((p) => p.subject.kind), list.map((p) => p.subject.id)],
    );
    for (const r of rows) {
      let bySubject = result.get(r.detector);
      if (!bySubject) {
        bySubject = new Map();
        result.set(r.detector, bySubject);
      }
      bySubject.set(artifactKey({ kind: r.subject_kind, id: r.subject_id }), {
        benign: r.benign,
        deceptive: r.deceptive,
      });
    }
    return result;
  }

  async loadKnownAlertIds(manager: EntityManager, alertIds: readonly string[]): Promise<Set<string>> {
    const rows = await query<{ alert_id: string }>(
      manager,
      `SELECT alert_id FROM alerts WHERE alert_id = ANY($1::text[])`,
      [alertIds],
    );
    return new Set(rows.map((r) => r.alert_id));
  }

  async loadFingerprints(
    manager: EntityManager,
    fingerprints: readonly string[],
  ): Promise<Map<string, string>> {
    const rows = await query<{ fingerprint: string; alert_id: string }>(
      manager,
      `SELECT fingerprint, alert_id FROM alerts WHERE fingerprint = ANY($1::text[]) AND status <> 'duplicate'`,
      [fingerprints],
    );
    return new Map(rows.map((r) => [r.fingerprint, r.alert_id]));
  }

  /** Silences overlapping [from, to] (event times of the batch), oldest first. */
  async loadSilences(manager: EntityManager, from: Date, to: Date): Promise<SilenceRule[]> {
    const rows = await query<SilenceRow>(
      manager,
      `SELECT id, detector, subject_kind, subject_id, stage, starts_at, ends_at FROM silences
       WHERE ends_at > $1 AND starts_at <= $2 ORDER BY created_at, id`,
      [from, to],
    );
    return rows.map((r) => ({
      id: r.id,
      matchers: dropNulls({
        detector: r.detector,
        subjectKind: r.subject_kind,
        subjectId: r.subject_id,
        stage: r.stage,
      }),
      startsAt: r.starts_at,
      endsAt: r.ends_at,
    }));
  }

  /** Recorded ingestion-gap alerts on these subjects raised since `since`. */
  async loadGapAlerts(
    manager: EntityManager,
    subjects: readonly ArtifactRef[],
    since: Date,
  ): Promise<Map<ArtifactKey, GapAlert[]>> {
    const result = new Map<ArtifactKey, GapAlert[]>();
    if (subjects.length === 0) return result;
    const rows = await query<{
      alert_id: string;
      subject_kind: ArtifactKind;
      subject_id: string;
      occurred_at: Date;
      window_from: Date;
    }>(
      manager,
      `SELECT a.alert_id, a.subject_kind, a.subject_id, a.occurred_at, a.window_from
       FROM alerts a JOIN unnest($1::text[], $2::text[]) AS q(kind, id) ON q.kind = a.subject_kind AND q.id = a.subject_id
       WHERE a.detector = $3 AND a.status IN ('correlated', 'silenced') AND a.occurred_at >= $4`,
      [subjects.map((s) => s.kind), subjects.map((s) => s.id), INGESTION_GAP_DETECTOR, since],
    );
    for (const r of rows) {
      const key = artifactKey({ kind: r.subject_kind, id: r.subject_id });
      result.set(key, [
        ...(result.get(key) ?? []),
        { alertId: r.alert_id, occurredAt: r.occurred_at.getTime(), windowFrom: r.window_from.getTime() },
      ]);
    }
    return result;
  }

  /** Writes what a batch decided, in the order that keeps references whole. */
  async applyOutcome(manager: EntityManager, outcome: CorrelationOutcome, now: Date): Promise<void> {
    await this.insertAlerts(manager, outcome);
    await this.upsertIncidents(manager, outcome.changed, now);
    if (outcome.memberships.length > 0) {
      await manager.query(
        `INSERT INTO incident_alerts (incident_id, alert_id, added_at) SELECT m.incident_id, m.alert_id, $3 FROM unnest($1::text[], $2::text[]) AS m(incident_id, alert_id)`,
        [outcome.memberships.map((m) => m.incidentId), outcome.memberships.map((m) => m.alertId), now],
      );
    }
    if (outcome.subjects.length > 0) {
      const refs = outcome.subjects.map((s) => parseArtifactKey(s.subject));
      await manager.query(
        `INSERT INTO incident_subjects (incident_id, subject_kind, subject_id) SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING`,
        [outcome.subjects.map((s) => s.incidentId), refs.map((r) => r.kind), refs.map((r) => r.id)],
      );
    }
    if (outcome.merges.length > 0) {
      // Follow chains (A into B, then B into C) to the final survivor, then move rows in two statements.
      const into = new Map(outcome.merges.map((m) => [m.from, m.into]));
      const finalOf = (id: string): string => {
        let target = id;
        while (into.has(target)) target = into.get(target)!;
        return target;
      };
      const froms = [...into.keys()];
      const targets = froms.map(finalOf);
      // The absorbed incidents keep their subject rows (history); their alerts move to the survivor.
      await manager.query(
        `INSERT INTO incident_subjects (incident_id, subject_kind, subject_id)
         SELECT m.into_id, s.subject_kind, s.subject_id
         FROM incident_subjects s JOIN unnest($1::text[], $2::text[]) AS m(from_id, into_id) ON s.incident_id = m.from_id
         ON CONFLICT DO NOTHING`,
        [froms, targets],
      );
      await manager.query(
        `UPDATE incident_alerts a SET incident_id = m.into_id
         FROM unnest($1::text[], $2::text[]) AS m(from_id, into_id) WHERE a.incident_id = m.from_id`,
        [froms, targets],
      );
    }
    await this.appendTimeline(manager, outcome.timeline, CORRELATOR_ACTOR, now);
    await enqueueIncidentEvents(manager, outcome.announcements, now);
  }

  async appendTimeline(
    manager: EntityManager,
    notes: readonly TimelineNote[],
    actor: string,
    at: Date,
  ): Promise<void> {
    if (notes.length === 0) return;
    await manager.query(
      `INSERT INTO incident_timeline (incident_id, kind, actor, details, at)
       SELECT n.incident_id, n.kind, $4, n.details::jsonb, $5 FROM unnest($1::text[], $2::text[], $3::text[]) AS n(incident_id, kind, details)`,
      [
        notes.map((n) => n.incidentId),
        notes.map((n) => n.kind),
        notes.map((n) => JSON.stringify(n.details)),
        actor,
        at,
      ],
    );
  }

  /** Marks open incidents whose group_wait has elapsed as announced; returns their ids. */
  async claimDueAnnouncements(manager: EntityManager, openedBefore: Date, now: Date): Promise<string[]> {
    const rows = await query<{ id: string }>(
      manager,
      // Through a CTE: TypeORM returns [rows, count] for a bare UPDATE … RETURNING.
      `WITH due AS (
         UPDATE incidents SET announced = true, version = version + 1, updated_at = $2
         WHERE status = 'open' AND NOT announced AND created_at <= $1 RETURNING id
       ) SELECT id FROM due`,
      [openedBefore, now],
    );
    return rows.map((r) => r.id).sort();
  }

  private async insertAlerts(manager: EntityManager, outcome: CorrelationOutcome): Promise<void> {
    const recorded = outcome.alerts;
    if (recorded.length === 0) return;
    await this.recordArtifacts(
      manager,
      recorded.map((r) => r.alert.subject),
    );
    const a = recorded.map((r) => r.alert);
    await manager.query(
      `INSERT INTO alerts (alert_id, event_id, stage, detector, subject_kind, subject_id, score, p_value, alpha, evidence,
                           window_from, window_to, occurred_at, input_event_ids, fingerprint, status, silence_id, inhibited_by, duplicate_of,
                           flagged_item_ids, flagged_item_count)
       SELECT x.alert_id, x.event_id, x.stage, x.detector, x.subject_kind, x.subject_id, x.score, x.p_value, x.alpha, x.evidence::jsonb,
              x.window_from, x.window_to, x.occurred_at, x.input_event_ids::jsonb, x.fingerprint, x.status, x.silence_id, x.inhibited_by, x.duplicate_of,
              x.flagged_item_ids::jsonb, x.flagged_item_count
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[], $8::float8[], $9::float8[], $10::text[],
                   $11::timestamptz[], $12::timestamptz[], $13::timestamptz[], $14::text[], $15::text[], $16::text[], $17::uuid[], $18::text[], $19::text[],
                   $20::text[], $21::int[])
         AS x(alert_id, event_id, stage, detector, subject_kind, subject_id, score, p_value, alpha, evidence,
              window_from, window_to, occurred_at, input_event_ids, fingerprint, status, silence_id, inhibited_by, duplicate_of,
              flagged_item_ids, flagged_item_count)`,
      [
        a.map((x) => x.alertId),
        a.map((x) => x.eventId),
        a.map((x) => x.stage),
        a.map((x) => x.detector),
        a.map((x) => x.subject.kind),
        a.map((x) => x.subject.id),
        a.map((x) => x.score),
        a.map((x) => x.pValue),
        a.map((x) => x.alpha),
        a.map((x) => JSON.stringify(x.evidence)),
        a.map((x) => x.window.from),
        a.map((x) => x.window.to),
        a.map((x) => x.occurredAt),
        a.map((x) => JSON.stringify(x.inputEventIds)),
        recorded.map((r) => r.fingerprint),
        recorded.map((r) => r.status),
        recorded.map((r) => r.silenceId),
        recorded.map((r) => r.inhibitedBy),
        recorded.map((r) => r.duplicateOf),
        // Kept on every recorded alert, duplicates included, so no flagged item is lost to the fingerprint.
        a.map((x) => (x.flaggedItems ? JSON.stringify(x.flaggedItems.ids) : null)),
        a.map((x) => x.flaggedItems?.count ?? null),
      ],
    );
  }

  private async upsertIncidents(
    manager: EntityManager,
    incidents: readonly IncidentState[],
    now: Date,
  ): Promise<void> {
    if (incidents.length === 0) return;
    await manager.query(
      `INSERT INTO incidents (id, status, announced, severity, stages, detector_min_p, alert_count, first_alert_at, last_alert_at,
                              created_at, updated_at, merged_into, version, detector_min_count_p, severity_terms, detector_subjects)
       SELECT x.id, x.status, x.announced, x.severity, string_to_array(x.stages, ','), x.detector_min_p::jsonb, x.alert_count,
              x.first_alert_at, x.last_alert_at, x.created_at, $13, x.merged_into, x.version, x.detector_min_count_p::jsonb,
              x.severity_terms::jsonb, x.detector_subjects::jsonb
       FROM unnest($1::text[], $2::text[], $3::boolean[], $4::float8[], $5::text[], $6::text[], $7::int[], $8::timestamptz[],
                   $9::timestamptz[], $10::timestamptz[], $11::text[], $12::int[], $14::text[], $15::text[], $16::text[])
         AS x(id, status, announced, severity, stages, detector_min_p, alert_count, first_alert_at, last_alert_at, created_at, merged_into,
              version, detector_min_count_p, severity_terms, detector_subjects)
       ON CONFLICT (id) DO UPDATE SET
         status = excluded.status, announced = excluded.announced, severity = excluded.severity, stages = excluded.stages,
         detector_min_p = excluded.detector_min_p, alert_count = excluded.alert_count, first_alert_at = excluded.first_alert_at,
         last_alert_at = excluded.last_alert_at, created_at = excluded.created_at, updated_at = excluded.updated_at,
         merged_into = excluded.merged_into, version = excluded.version, detector_min_count_p = excluded.detector_min_count_p,
         severity_terms = excluded.severity_terms, detector_subjects = excluded.detector_subjects`,
      [
        incidents.map((i) => i.id),
        incidents.map((i) => i.status),
        incidents.map((i) => i.announced),
        incidents.map((i) => i.severity),
        incidents.map((i) => [...i.stages].sort().join(',')),
        incidents.map((i) => JSON.stringify(Object.fromEntries(i.detectorMinP))),
        incidents.map((i) => i.alertCount),
        incidents.map((i) => new Date(i.firstAlertAt)),
        incidents.map((i) => new Date(i.lastAlertAt)),
        incidents.map((i) => new Date(i.createdAt)),
        incidents.map((i) => i.mergedInto),
        incidents.map((i) => i.version),
        now,
        incidents.map((i) => JSON.stringify(Object.fromEntries(i.detectorMinCountP))),
        incidents.map((i) => JSON.stringify(i.severityTerms)),
        incidents.map((i) =>
          JSON.stringify(
            Object.fromEntries(
              [...i.detectorSubjects].map(([detector, subjects]) => [detector, [...subjects].sort()]),
            ),
          ),
        ),
      ],
    );
  }
}

interface EdgeRow {
  from_kind: ArtifactKind;
  from_id: string;
  relation: LineageLink['relation'];
  to_kind: ArtifactKind;
  to_id: string;
}

interface SilenceRow {
  id: string;
  detector: string | null;
  subject_kind: ArtifactKind | null;
  subject_id: string | null;
  stage: Stage | null;
  starts_at: Date;
  ends_at: Date;
}

function toLink(r: EdgeRow): LineageLink {
  return {
    from: artifactKey({ kind: r.from_kind, id: r.from_id }),
    relation: r.relation,
    to: artifactKey({ kind: r.to_kind, id: r.to_id }),
  };
}

function toState(row: IncidentRow): IncidentState {
  return {
    id: row.id,
    status: row.status,
    announced: row.announced,
    announceNow: false,
    createdAt: row.created_at.getTime(),
    firstAlertAt: row.first_alert_at.getTime(),
    lastAlertAt: row.last_alert_at.getTime(),
    subjects: new Set(),
    detectorMinP: new Map(Object.entries(row.detector_min_p)),
    detectorMinCountP: new Map(Object.entries(row.detector_min_count_p ?? {})),
    detectorSubjects: new Map(
      Object.entries(row.detector_subjects ?? {}).map(([detector, subjects]) => [
        detector,
        new Set(subjects),
      ]),
    ),
    stages: new Set(row.stages),
    alertCount: row.alert_count,
    severity: row.severity,
    severityTerms: {
      evidence: row.severity,
      flaggedCount: 0,
      stages: 0,
      persistence: 0,
      ...row.severity_terms,
    },
    mergedInto: row.merged_into,
    version: row.version,
  };
}

function dropNulls(m: { [K in keyof SilenceMatchers]-?: SilenceMatchers[K] | null }): SilenceMatchers {
  const out: SilenceMatchers = {};
  if (m.detector !== null) out.detector = m.detector;
  if (m.subjectKind !== null) out.subjectKind = m.subjectKind;
  if (m.subjectId !== null) out.subjectId = m.subjectId;
  if (m.stage !== null) out.stage = m.stage;
  return out;
}
