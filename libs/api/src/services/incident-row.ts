import { type ArtifactKind, type IncidentStatus, Stage, type Verdict } from '../models/enums';
import type { IncidentModel } from '../models/incident.model';

/** The columns every incident read selects: the correlator's row plus the API's triage. */
export const INCIDENT_COLUMNS = `i.id, i.status, i.severity, i.severity_terms, i.stages, i.alert_count, i.first_alert_at, i.last_alert_at,
  i.created_at, i.updated_at, i.resolved_at, i.merged_into, i.version,
  t.assignee AS t_assignee, t.acknowledged_at AS t_acknowledged_at, t.acknowledged_by AS t_acknowledged_by,
  t.verdict AS t_verdict, t.verdict_note AS t_verdict_note, t.verdict_by AS t_verdict_by, t.verdict_at AS t_verdict_at`;

export const INCIDENT_FROM = `incidents i LEFT JOIN incident_triage t ON t.incident_id = i.id`;

export interface IncidentRow {
  id: string;
  status: string;
  severity: number;
  severity_terms: StoredSeverityTerms | null;
  stages: string[];
  alert_count: number;
  first_alert_at: Date;
  last_alert_at: Date;
  created_at: Date;
  updated_at: Date;
  resolved_at: Date | null;
  merged_into: string | null;
  version: number;
  t_assignee: string | null;
  t_acknowledged_at: Date | null;
  t_acknowledged_by: string | null;
  t_verdict: string | null;
  t_verdict_note: string | null;
  t_verdict_by: string | null;
  t_verdict_at: Date | null;
}

const STAGE_ORDER: readonly string[] = [Stage.DATA, Stage.SIGNALS, Stage.REPRESENTATIONS];

export function toIncidentModel(row: IncidentRow): IncidentModel {
  return {
    id: row.id,
    status: row.status as IncidentStatus,
    severity: row.severity,
    severityTerms: toSeverityTerms(row.severity_terms),
    stages: [...row.stages].sort((a, b) => STAGE_ORDER.indexOf(a) - STAGE_ORDER.indexOf(b)) as Stage[],
    alertCount: row.alert_count,
    firstAlertAt: row.first_alert_at,
    lastAlertAt: row.last_alert_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    resolvedAt: row.resolved_at,
    mergedInto: row.merged_into,
    version: row.version,
    triage: {
      acknowledged: row.t_acknowledged_at !== null,
      acknowledgedAt: row.t_acknowledged_at,
      acknowledgedBy: row.t_acknowledged_by,
      assignee: row.t_assignee,
      verdict: row.t_verdict as Verdict | null,
      verdictNote: row.t_verdict_note,
      verdictBy: row.t_verdict_by,
      verdictAt: row.t_verdict_at,
    },
  };
}

export function stageRank(stage: string): number {
  return STAGE_ORDER.indexOf(stage);
}

export function asArtifactKind(kind: string): ArtifactKind {
  return kind as ArtifactKind;
}

/** incidents.severity_terms as the correlator writes it (SeverityTerms of @damon/correlation). */
interface StoredSeverityTerms {
  evidence?: number;
  flaggedCount?: number;
  stages?: number;
  persistence?: number;
  detectorWeights?: {
    detector: string;
    weight: number;
    benign: number;
    deceptive: number;
    subjects?: { kind: string; id: string }[];
  }[];
}

function toSeverityTerms(terms: StoredSeverityTerms | null): IncidentModel['severityTerms'] {
  if (!terms || typeof terms.evidence !== 'number') return null;
  return {
    evidence: terms.evidence,
    flaggedCount: terms.flaggedCount ?? 0,
    stages: terms.stages ?? 0,
    persistence: terms.persistence ?? 0,
    detectorWeights: (terms.detectorWeights ?? []).map((w) => ({
      detector: w.detector,
      weight: w.weight,
      benign: w.benign,
      deceptive: w.deceptive,
      subjects: (w.subjects ?? []).map((s) => ({ kind: asArtifactKind(s.kind), id: s.id })),
    })),
  };
}
