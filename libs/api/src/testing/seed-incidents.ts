import type { ArtifactKind, Stage } from '@damon/contracts';
import {
  AlertRecord,
  Artifact,
  Incident,
  IncidentAlert,
  IncidentSubject,
  IncidentTimelineEntry,
  LineageEdgeRecord,
  type IncidentRecordStatus,
} from '@damon/persistence';
import type { DataSource } from 'typeorm';

export interface SeedAlert {
  id: string;
  stage: Stage;
  detector: string;
  subject: { kind: ArtifactKind; id: string };
  pValue: number;
  at: Date;
}

export interface SeedIncident {
  id: string;
  status: IncidentRecordStatus;
  severity: number;
  /** What the correlator stores beside severity (evidence, flaggedCount, stages, persistence, detectorWeights). */
  severityTerms?: Incident['severityTerms'];
  announced?: boolean;
  createdAt: Date;
  alerts: SeedAlert[];
}

/** Writes incidents with their alerts, membership, subjects and an `opened` timeline entry, as the correlator would. */
export async function seedIncidents(
  dataSource: DataSource,
  incidents: readonly SeedIncident[],
): Promise<void> {
  await dataSource.transaction(async (manager) => {
    for (const incident of incidents) {
      const times = incident.alerts.map((a) => a.at.getTime());
      const detectorMinP: Record<string, number> = {};
      for (const a of incident.alerts)
        detectorMinP[a.detector] = Math.min(detectorMinP[a.detector] ?? 1, a.pValue);
      await manager.insert(Incident, {
        id: incident.id,
        status: incident.status,
        announced: incident.announced ?? true,
        severity: incident.severity,
        ...(incident.severityTerms ? { severityTerms: incident.severityTerms } : {}),
        stages: [...new Set(incident.alerts.map((a) => a.stage))],
        detectorMinP,
        alertCount: incident.alerts.length,
        firstAlertAt: new Date(Math.min(...times)),
        lastAlertAt: new Date(Math.max(...times)),
        createdAt: incident.createdAt,
        updatedAt: incident.createdAt,
        mergedInto: null,
        resolvedAt: incident.status === 'resolved' ? incident.createdAt : null,
        version: 1,
      });
      await manager.insert(
        AlertRecord,
        incident.alerts.map((a) => ({
          alertId: a.id,
          eventId: `${a.id}-ev`,
          stage: a.stage,
          detector: a.detector,
          subjectKind: a.subject.kind,
          subjectId: a.subject.id,
          score: -Math.log10(a.pValue),
          pValue: a.pValue,
          alpha: 0.01,
          evidence: { statistic: 1.5 },
          windowFrom: new Date(a.at.getTime() - 60_000),
          windowTo: a.at,
          occurredAt: a.at,
          inputEventIds: [`${a.id}-in`],
          fingerprint: `${a.detector}|${a.subject.kind}:${a.subject.id}|${a.at.toISOString()}`,
          status: 'correlated' as const,
          silenceId: null,
          inhibitedBy: null,
          duplicateOf: null,
        })),
      );
      await manager.insert(
        IncidentAlert,
        incident.alerts.map((a) => ({ alertId: a.id, incidentId: incident.id })),
      );
      const subjects = new Map(incident.alerts.map((a) => [`${a.subject.kind}:${a.subject.id}`, a.subject]));
      await manager.insert(
        IncidentSubject,
        [...subjects.values()].map((s) => ({
          incidentId: incident.id,
          subjectKind: s.kind,
          subjectId: s.id,
        })),
      );
      await manager.upsert(
        Artifact,
        [...subjects.values()].map((s) => ({ kind: s.kind, id: s.id })),
        ['kind', 'id'],
      );
      await manager.insert(IncidentTimelineEntry, {
        incidentId: incident.id,
        kind: 'opened',
        actor: 'correlator',
        details: {},
        at: incident.createdAt,
      });
    }
  });
}

export async function seedLineage(
  dataSource: DataSource,
  edges: readonly {
    from: { kind: ArtifactKind; id: string };
    to: { kind: ArtifactKind; id: string };
    relation: 'generated' | 'trained' | 'rewarded' | 'produced' | 'edited';
  }[],
): Promise<void> {
  const nodes = new Map(edges.flatMap((e) => [e.from, e.to]).map((n) => [`${n.kind}:${n.id}`, n]));
  await dataSource.getRepository(Artifact).upsert(
    [...nodes.values()].map((n) => ({ kind: n.kind, id: n.id })),
    ['kind', 'id'],
  );
  await dataSource.getRepository(LineageEdgeRecord).insert(
    edges.map((e, i) => ({
      fromKind: e.from.kind,
      fromId: e.from.id,
      toKind: e.to.kind,
      toId: e.to.id,
      relation: e.relation,
      eventId: `edge-${i}`,
      occurredAt: new Date('2026-01-01T00:00:00Z'),
    })),
  );
}
