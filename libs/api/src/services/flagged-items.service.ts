import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ApiSettings } from '../api-settings';
import type { ArtifactRefInput } from '../dto/artifact-ref.input';
import { checkFirst, checkId } from '../graphql/input-checks';
import type { Stage } from '../models/enums';
import type { FlaggedItemModel } from '../models/flagged-item.model';
import type { StageFlaggedItemsModel } from '../models/stage-flagged-items.model';
import { API_DATA_SOURCE, API_SETTINGS } from '../tokens';
import { selectRows, SqlParams } from './sql';

/** Flagged item ids kept on recorded alerts (every alert, duplicates of a fingerprint included). */
@Injectable()
export class FlaggedItemsService {
  constructor(
    @Inject(API_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(API_SETTINGS) private readonly settings: ApiSettings,
  ) {}

  /** The items alerts on a subject flagged, most recent alert first. */
  async list(subject: ArtifactRefInput, stage: Stage | null, first: number): Promise<FlaggedItemModel[]> {
    checkFirst('first', first, this.settings.maxPageSize);
    const params = new SqlParams();
    const conditions = [
      `al.subject_kind = ${params.add(subject.kind)}`,
      `al.subject_id = ${params.add(checkId('subject.id', subject.id))}`,
      `al.flagged_item_ids IS NOT NULL`,
    ];
    if (stage) conditions.push(`al.stage = ${params.add(stage)}`);
    const rows = await selectRows<{
      item_id: string;
      stage: Stage;
      detector: string;
      alert_id: string;
      p_value: number;
      occurred_at: Date;
    }>(
      this.dataSource,
      `SELECT f.item_id, al.stage, al.detector, al.alert_id, al.p_value, al.occurred_at
       FROM alerts al CROSS JOIN LATERAL jsonb_array_elements_text(al.flagged_item_ids) AS f(item_id)
       WHERE ${conditions.join(' AND ')}
       ORDER BY al.occurred_at DESC, al.alert_id, f.item_id
       LIMIT ${params.add(first)}`,
      params.values,
    );
    return rows.map((r) => ({
      itemId: r.item_id,
      stage: r.stage,
      detector: r.detector,
      alertId: r.alert_id,
      pValue: r.p_value,
      occurredAt: r.occurred_at,
    }));
  }

  /**
   * Per incident (in the order of `incidentIds`) and stage, the distinct items its alerts and their
   * duplicates flagged: one query for all (the DataLoader's batch, so a list of N incidents asking
   * for flaggedItemCounts costs one query, not N).
   */
  async countsForIncidents(incidentIds: readonly string[]): Promise<StageFlaggedItemsModel[][]> {
    if (incidentIds.length === 0) return [];
    const rows = await selectRows<{ incident_id: string; stage: Stage; listed: number; not_listed: number }>(
      this.dataSource,
      `WITH own AS (
         SELECT ia.incident_id, al.stage, al.flagged_item_ids, al.flagged_item_count
         FROM alerts al JOIN incident_alerts ia ON ia.alert_id = al.alert_id
         WHERE ia.incident_id = ANY($1::text[]) AND al.flagged_item_ids IS NOT NULL
         UNION ALL
         SELECT ia.incident_id, d.stage, d.flagged_item_ids, d.flagged_item_count
         FROM alerts d JOIN incident_alerts ia ON ia.alert_id = d.duplicate_of
         WHERE ia.incident_id = ANY($1::text[]) AND d.flagged_item_ids IS NOT NULL
       ),
       listed AS (
         SELECT o.incident_id, o.stage, count(DISTINCT f.item_id)::int AS listed
         FROM own o CROSS JOIN LATERAL jsonb_array_elements_text(o.flagged_item_ids) AS f(item_id)
         GROUP BY o.incident_id, o.stage
       )
       SELECT o.incident_id, o.stage, COALESCE(max(l.listed), 0)::int AS listed,
              sum(GREATEST(0, o.flagged_item_count - jsonb_array_length(o.flagged_item_ids)))::int AS not_listed
       FROM own o LEFT JOIN listed l ON l.incident_id = o.incident_id AND l.stage = o.stage
       GROUP BY o.incident_id, o.stage ORDER BY o.incident_id, o.stage`,
      [incidentIds],
    );
    const byIncident = new Map<string, StageFlaggedItemsModel[]>();
    for (const r of rows) {
      const list = byIncident.get(r.incident_id) ?? [];
      list.push({ stage: r.stage, listed: r.listed, notListed: r.not_listed });
      byIncident.set(r.incident_id, list);
    }
    return incidentIds.map((id) => byIncident.get(id) ?? []);
  }
}
