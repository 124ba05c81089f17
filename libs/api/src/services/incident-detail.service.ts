import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ApiSettings } from '../api-settings';
import { checkFirst } from '../graphql/input-checks';
import type { CommentModel } from '../models/comment.model';
import type { StageAlertsModel } from '../models/stage-alerts.model';
import type { TimelineEntryModel } from '../models/timeline-entry.model';
import type { ArtifactRefModel } from '../models/artifact-ref.model';
import { API_DATA_SOURCE, API_SETTINGS } from '../tokens';
import { ALERT_COLUMNS, toAlertModel, type AlertRow } from './alert-row';
import { asArtifactKind, stageRank } from './incident-row';
import { selectRows } from './sql';

/** Timeline kinds written by people through the API (and `resolved`, which the correlator's API also writes). */
export const TRIAGE_KINDS = [
  'acknowledged',
  'assigned',
  'verdict',
  'comment',
  'resolved',
  'reopened',
] as const;

interface TimelineRow {
  seq: string;
  incident_id: string;
  at: Date;
  kind: string;
  actor: string;
  details: Record<string, unknown>;
}

/** The parts of one incident's detail view: alerts by stage, timeline, comments, subjects. */
@Injectable()
export class IncidentDetailService {
  constructor(
    @Inject(API_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(API_SETTINGS) private readonly settings: ApiSettings,
  ) {}

  /** Per stage: the count and the `first` most recent alerts. One query whatever the stage count. */
  async alertsByStage(incidentId: string, first: number): Promise<StageAlertsModel[]> {
    checkFirst('first', first, this.settings.maxPageSize);
    const rows = await selectRows<AlertRow & { stage_count: number }>(
      this.dataSource,
      `SELECT * FROM (
         SELECT ${ALERT_COLUMNS},
           row_number() OVER (PARTITION BY al.stage ORDER BY al.occurred_at DESC, al.alert_id DESC) AS rank,
           (count(*) OVER (PARTITION BY al.stage))::int AS stage_count
         FROM incident_alerts ia JOIN alerts al ON al.alert_id = ia.alert_id
         WHERE ia.incident_id = $1
       ) ranked WHERE rank <= $2 ORDER BY rank`,
      [incidentId, first],
    );
    const groups = new Map<string, StageAlertsModel>();
    for (const row of rows) {
      let group = groups.get(row.stage);
      if (!group) {
        group = { stage: toAlertModel(row).stage, alertCount: row.stage_count, alerts: [] };
        groups.set(row.stage, group);
      }
      group.alerts.push(toAlertModel(row));
    }
    return [...groups.values()].sort((a, b) => stageRank(a.stage) - stageRank(b.stage));
  }

  async timeline(
    incidentId: string,
    first: number,
    kinds?: readonly string[],
  ): Promise<TimelineEntryModel[]> {
    checkFirst('first', first, this.settings.maxPageSize);
    const rows = await selectRows<TimelineRow>(
      this.dataSource,
      `SELECT seq, incident_id, at, kind, actor, details FROM incident_timeline
       WHERE incident_id = $1 AND ($2::text[] IS NULL OR kind = ANY($2::text[]))
       ORDER BY seq LIMIT $3`,
      [incidentId, kinds ?? null, first],
    );
    return rows.map((r) => ({ seq: r.seq, at: r.at, kind: r.kind, actor: r.actor, details: r.details }));
  }

  async comments(incidentId: string, first: number): Promise<CommentModel[]> {
    const entries = await this.timeline(incidentId, first, ['comment']);
    return entries.map((e) => ({
      id: e.seq,
      incidentId,
      at: e.at,
      body: typeof e.details.body === 'string' ? e.details.body : '',
      author: e.actor,
    }));
  }

  /** Subjects of many incidents at once (the DataLoader batch). */
  async subjectsOf(incidentIds: readonly string[]): Promise<ArtifactRefModel[][]> {
    const rows = await selectRows<{ incident_id: string; subject_kind: string; subject_id: string }>(
      this.dataSource,
      `SELECT incident_id, subject_kind, subject_id FROM incident_subjects WHERE incident_id = ANY($1::text[])
       ORDER BY subject_kind, subject_id`,
      [incidentIds],
    );
    const byIncident = new Map<string, ArtifactRefModel[]>();
    for (const r of rows) {
      const list = byIncident.get(r.incident_id) ?? [];
      list.push({ kind: asArtifactKind(r.subject_kind), id: r.subject_id });
      byIncident.set(r.incident_id, list);
    }
    return incidentIds.map((id) => byIncident.get(id) ?? []);
  }
}
