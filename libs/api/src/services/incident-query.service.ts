import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { API_DATA_SOURCE, API_SETTINGS } from '../tokens';
import type { ApiSettings } from '../api-settings';
import type { IncidentFilterInput } from '../dto/incident-filter.input';
import { decodeCursor, encodeCursor } from '../graphql/cursor';
import { checkDate, checkFinite, checkFirst, checkId, checkRange, checkText } from '../graphql/input-checks';
import { IncidentOrder } from '../models/enums';
import type { IncidentConnectionModel } from '../models/incident-connection.model';
import type { IncidentModel } from '../models/incident.model';
import { CountCache } from './count-cache';
import {
  asArtifactKind,
  INCIDENT_COLUMNS,
  INCIDENT_FROM,
  toIncidentModel,
  type IncidentRow,
} from './incident-row';
import { exactTimestamp, selectRows, SqlParams } from './sql';

/** How each ordering sorts: the key expression, its exact text form for cursors, and its SQL type. */
const ORDERS: Record<IncidentOrder, { key: string; text: string; type: string }> = {
  [IncidentOrder.CREATED_AT_DESC]: {
    key: 'i.created_at',
    text: exactTimestamp('i.created_at'),
    type: 'timestamptz',
  },
  [IncidentOrder.LAST_ALERT_AT_DESC]: {
    key: 'i.last_alert_at',
    text: exactTimestamp('i.last_alert_at'),
    type: 'timestamptz',
  },
  // float8 prints its shortest round-trip form (PostgreSQL ≥ 12): the cursor holds the exact value.
  [IncidentOrder.SEVERITY_DESC]: { key: 'i.severity', text: 'i.severity::text', type: 'double precision' },
};

const DEFAULT_COUNT_CACHE_MS = 1_000;

/** Reads of incidents: filtered keyset pages, counts, single incidents. */
@Injectable()
export class IncidentQueryService {
  private readonly counts: CountCache;

  constructor(
    @Inject(API_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(API_SETTINGS) private readonly settings: ApiSettings,
  ) {
    this.counts = new CountCache(settings.countCacheMs ?? DEFAULT_COUNT_CACHE_MS);
  }

  async list(
    filter: IncidentFilterInput | null | undefined,
    order: IncidentOrder,
    first: number,
    after: string | null | undefined,
  ): Promise<IncidentConnectionModel> {
    checkFirst('first', first, this.settings.maxPageSize);
    const params = new SqlParams();
    const conditions = incidentConditions(filter, params);
    const sort = ORDERS[order];
    if (after) {
      const position = decodeCursor('after', after, order);
      conditions.push(
        `(${sort.key}, i.id) < (${params.add(position.key)}::${sort.type}, ${params.add(position.id)})`,
      );
    }
    // The page's subjects come with it (what the list view shows for every row): the subquery runs
    // on the page only, after the LIMIT, and saves the subjects loader a query of its own.
    const rows = await selectRows<IncidentRow & { cursor_key: string; subjects: [string, string][] }>(
      this.dataSource,
      `SELECT page.*, (SELECT coalesce(json_agg(json_build_array(s.subject_kind, s.subject_id)
                         ORDER BY s.subject_kind, s.subject_id), '[]') FROM incident_subjects s
                       WHERE s.incident_id = page.id) AS subjects
       FROM (SELECT ${INCIDENT_COLUMNS}, ${sort.text} AS cursor_key FROM ${INCIDENT_FROM}
             ${where(conditions)} ORDER BY ${sort.key} DESC, i.id DESC LIMIT ${params.add(first + 1)}) page
       ORDER BY page.${sort.key.slice(2)} DESC, page.id DESC`,
      params.values,
    );
    const page = rows.slice(0, first);
    const edges = page.map((row) => ({
      cursor: encodeCursor({ order, key: row.cursor_key, id: row.id }),
      node: toIncidentModel(row),
    }));
    return {
      edges,
      subjects: new Map(
        page.map((row) => [row.id, row.subjects.map(([kind, id]) => ({ kind: asArtifactKind(kind), id }))]),
      ),
      pageInfo: { endCursor: edges.at(-1)?.cursor ?? null, hasNextPage: rows.length > first },
      countTotal: () => this.count(filter),
      totalCount: 0,
    };
  }

  async count(filter: IncidentFilterInput | null | undefined): Promise<number> {
    const params = new SqlParams();
    const conditions = incidentConditions(filter, params);
    // The triage join only when a verdict is asked for: the plain count stays on incidents alone.
    const from = filter?.verdict?.length ? INCIDENT_FROM : 'incidents i';
    const sql = `SELECT count(*)::int AS n FROM ${from} ${where(conditions)}`;
    return this.counts.get(JSON.stringify([sql, params.values]), async () => {
      const [row] = await selectRows<{ n: number }>(this.dataSource, sql, params.values);
      return row.n;
    });
  }

  async byId(id: string): Promise<IncidentModel | null> {
    checkId('id', id);
    return (await this.byIds([id]))[0] ?? null;
  }

  /** Incidents by id, in the order asked, null for unknown ids (DataLoader's contract). */
  async byIds(ids: readonly string[]): Promise<(IncidentModel | null)[]> {
    const rows = await selectRows<IncidentRow>(
      this.dataSource,
      `SELECT ${INCIDENT_COLUMNS} FROM ${INCIDENT_FROM} WHERE i.id = ANY($1::text[])`,
      [ids],
    );
    const byId = new Map(rows.map((r) => [r.id, toIncidentModel(r)]));
    return ids.map((id) => byId.get(id) ?? null);
  }
}

function where(conditions: string[]): string {
  return conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
}

/** SQL conditions for a filter, validating it; values go through `params` only. */
export function incidentConditions(
  filter: IncidentFilterInput | null | undefined,
  params: SqlParams,
): string[] {
  const conditions: string[] = [];
  if (!filter) return conditions;
  if (filter.status?.length) conditions.push(`i.status = ANY(${params.add(filter.status)}::text[])`);
  if (filter.severityMin != null)
    conditions.push(`i.severity >= ${params.add(checkFinite('filter.severityMin', filter.severityMin))}`);
  if (filter.stages?.length) conditions.push(`i.stages @> ${params.add(filter.stages)}::text[]`);
  if (filter.subject) {
    const kind = params.add(filter.subject.kind);
    const id = params.add(checkId('filter.subject.id', filter.subject.id));
    conditions.push(
      `EXISTS (SELECT 1 FROM incident_subjects s WHERE s.incident_id = i.id AND s.subject_kind = ${kind} AND s.subject_id = ${id})`,
    );
  }
  if (filter.detector != null)
    conditions.push(`i.detector_min_p ? ${params.add(checkText('filter.detector', filter.detector, 128))}`);
  if (filter.verdict?.length) conditions.push(`t.verdict = ANY(${params.add(filter.verdict)}::text[])`);
  if (filter.from) conditions.push(`i.last_alert_at >= ${params.add(checkDate('filter.from', filter.from))}`);
  if (filter.to) conditions.push(`i.first_alert_at < ${params.add(checkDate('filter.to', filter.to))}`);
  checkRange('filter.to', filter.from, filter.to);
  return conditions;
}
