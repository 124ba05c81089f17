import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ApiSettings } from '../api-settings';
import type { DetectorStatsFilterInput } from '../dto/detector-stats-filter.input';
import { checkFirst, checkId, checkText } from '../graphql/input-checks';
import type { DetectorStatModel } from '../models/detector-stat.model';
import { API_DATA_SOURCE, API_SETTINGS } from '../tokens';
import { asArtifactKind } from './incident-row';
import { selectRows, SqlParams } from './sql';

interface StatRow {
  detector: string;
  subject_kind: string;
  subject_id: string;
  alerts: number;
  incidents: number;
  deceptive: number;
  benign: number;
  inconclusive: number;
  precision: number | null;
}

/**
 * Per detector and subject: alert and incident counts, and verdict counts from the
 * `detector_precision` view (the same numbers the monitors read).
 */
@Injectable()
export class DetectorStatsService {
  constructor(
    @Inject(API_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(API_SETTINGS) private readonly settings: ApiSettings,
  ) {}

  async stats(
    filter: DetectorStatsFilterInput | null | undefined,
    first: number,
  ): Promise<DetectorStatModel[]> {
    checkFirst('first', first, this.settings.maxPageSize);
    const params = new SqlParams();
    const conditions: string[] = [];
    if (filter?.detector != null)
      conditions.push(`al.detector = ${params.add(checkText('filter.detector', filter.detector, 128))}`);
    if (filter?.subject) {
      conditions.push(`al.subject_kind = ${params.add(filter.subject.kind)}`);
      conditions.push(`al.subject_id = ${params.add(checkId('filter.subject.id', filter.subject.id))}`);
    }
    const rows = await selectRows<StatRow>(
      this.dataSource,
      `WITH counts AS (
         SELECT al.detector, al.subject_kind, al.subject_id, count(*)::int AS alerts, count(DISTINCT ia.incident_id)::int AS incidents
         FROM alerts al LEFT JOIN incident_alerts ia ON ia.alert_id = al.alert_id
         ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
         GROUP BY al.detector, al.subject_kind, al.subject_id
       )
       SELECT c.detector, c.subject_kind, c.subject_id, c.alerts, c.incidents,
         COALESCE(p.deceptive, 0) AS deceptive, COALESCE(p.benign, 0) AS benign, COALESCE(p.inconclusive, 0) AS inconclusive, p.precision
       FROM counts c LEFT JOIN detector_precision p
         ON p.detector = c.detector AND p.subject_kind = c.subject_kind AND p.subject_id = c.subject_id
       ORDER BY c.detector, c.subject_kind, c.subject_id LIMIT ${params.add(first)}`,
      params.values,
    );
    return rows.map((r) => ({
      detector: r.detector,
      subject: { kind: asArtifactKind(r.subject_kind), id: r.subject_id },
      alertCount: r.alerts,
      incidentCount: r.incidents,
      deceptive: r.deceptive,
      benign: r.benign,
      inconclusive: r.inconclusive,
      precision: r.precision,
    }));
  }
}
