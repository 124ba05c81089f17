import type { AlertModel } from '../models/alert.model';
import { type AlertStatus, type ArtifactKind, type Stage } from '../models/enums';

export const ALERT_COLUMNS = `al.alert_id, al.stage, al.detector, al.subject_kind, al.subject_id, al.score, al.p_value, al.alpha,
  al.evidence, al.window_from, al.window_to, al.occurred_at, al.recorded_at, al.status, al.flagged_item_ids, al.flagged_item_count`;

export interface AlertRow {
  alert_id: string;
  stage: string;
  detector: string;
  subject_kind: string;
  subject_id: string;
  score: number;
  p_value: number;
  alpha: number;
  evidence: Record<string, unknown>;
  window_from: Date;
  window_to: Date;
  occurred_at: Date;
  recorded_at: Date;
  status: string;
  flagged_item_ids?: string[] | null;
  flagged_item_count?: number | null;
}

export function toAlertModel(row: AlertRow): AlertModel {
  return {
    alertId: row.alert_id,
    stage: row.stage as Stage,
    detector: row.detector,
    subject: { kind: row.subject_kind as ArtifactKind, id: row.subject_id },
    score: row.score,
    pValue: row.p_value,
    alpha: row.alpha,
    evidence: row.evidence,
    windowFrom: row.window_from,
    windowTo: row.window_to,
    occurredAt: row.occurred_at,
    recordedAt: row.recorded_at,
    status: row.status as AlertStatus,
    flaggedItemIds: row.flagged_item_ids ?? [],
    flaggedItemCount: row.flagged_item_count ?? 0,
  };
}
