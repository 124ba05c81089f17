import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ApiSettings } from '../api-settings';
import type { AlertFilterInput } from '../dto/alert-filter.input';
import { decodeCursor, encodeCursor } from '../graphql/cursor';
import { checkDate, checkFirst, checkId, checkRange, checkText } from '../graphql/input-checks';
import type { AlertConnectionModel } from '../models/alert-connection.model';
import { API_DATA_SOURCE, API_SETTINGS } from '../tokens';
import { ALERT_COLUMNS, toAlertModel, type AlertRow } from './alert-row';
import { exactTimestamp, selectRows, SqlParams } from './sql';

const ORDER = 'occurred_at_desc';

/** Reads of recorded alerts, most recent (event time) first. */
@Injectable()
export class AlertQueryService {
  constructor(
    @Inject(API_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(API_SETTINGS) private readonly settings: ApiSettings,
  ) {}

  async list(
    filter: AlertFilterInput | null | undefined,
    first: number,
    after: string | null | undefined,
  ): Promise<AlertConnectionModel> {
    checkFirst('first', first, this.settings.maxPageSize);
    const params = new SqlParams();
    const conditions = alertConditions(filter, params);
    if (after) {
      const position = decodeCursor('after', after, ORDER);
      conditions.push(
        `(al.occurred_at, al.alert_id) < (${params.add(position.key)}::timestamptz, ${params.add(position.id)})`,
      );
    }
    const rows = await selectRows<AlertRow & { cursor_key: string }>(
      this.dataSource,
      `SELECT ${ALERT_COLUMNS}, ${exactTimestamp('al.occurred_at')} AS cursor_key FROM alerts al
       ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
       ORDER BY al.occurred_at DESC, al.alert_id DESC LIMIT ${params.add(first + 1)}`,
      params.values,
    );
    const edges = rows.slice(0, first).map((row) => ({
      cursor: encodeCursor({ order: ORDER, key: row.cursor_key, id: row.alert_id }),
      node: toAlertModel(row),
    }));
    return {
      edges,
      pageInfo: { endCursor: edges.at(-1)?.cursor ?? null, hasNextPage: rows.length > first },
      countTotal: () => this.count(filter),
      totalCount: 0,
    };
  }

  async count(filter: AlertFilterInput | null | undefined): Promise<number> {
    const params = new SqlParams();
    const conditions = alertConditions(filter, params);
    const [row] = await selectRows<{ n: number }>(
      this.dataSource,
      `SELECT count(*)::int AS n FROM alerts al ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}`,
      params.values,
    );
    return row.n;
  }

  /** The incident each alert belongs to, null for alerts in none (DataLoader batch). */
  async incidentIdsOf(alertIds: readonly string[]): Promise<(string | null)[]> {
    const rows = await selectRows<{ alert_id: string; incident_id: string }>(
      this.dataSource,
      `SELECT alert_id, incident_id FROM incident_alerts WHERE alert_id = ANY($1::text[])`,
      [alertIds],
    );
    const byAlert = new Map(rows.map((r) => [r.alert_id, r.incident_id]));
    return alertIds.map((id) => byAlert.get(id) ?? null);
  }
}

function alertConditions(filter: AlertFilterInput | null | undefined, params: SqlParams): string[] {
  const conditions: string[] = [];
  if (!filter) return conditions;
  if (filter.incidentId != null) {
    conditions.push(
      `al.alert_id IN (SELECT ia.alert_id FROM incident_alerts ia WHERE ia.incident_id = ${params.add(checkId('filter.incidentId', filter.incidentId))})`,
    );
  }
  if (filter.stages?.length) conditions.push(`al.stage = ANY(${params.add(filter.stages)}::text[])`);
  if (filter.detector != null)
    conditions.push(`al.detector = ${params.add(checkText('filter.detector', filter.detector, 128))}`);
  if (filter.subject) {
    conditions.push(`al.subject_kind = ${params.add(filter.subject.kind)}`);
    conditions.push(`al.subject_id = ${params.add(checkId('filter.subject.id', filter.subject.id))}`);
  }
  if (filter.status?.length) conditions.push(`al.status = ANY(${params.add(filter.status)}::text[])`);
  if (filter.from) conditions.push(`al.occurred_at >= ${params.add(checkDate('filter.from', filter.from))}`);
  if (filter.to) conditions.push(`al.occurred_at < ${params.add(checkDate('filter.to', filter.to))}`);
  checkRange('filter.to', filter.from, filter.to);
  return conditions;
}
