import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ApiSettings } from '../api-settings';
import type { Principal } from '../auth/principal';
import type { ArtifactFilterInput } from '../dto/artifact-filter.input';
import type { ArtifactRefInput } from '../dto/artifact-ref.input';
import { decodeCursor, encodeCursor } from '../graphql/cursor';
import { checkFirst, checkId, checkText } from '../graphql/input-checks';
import type { ArtifactConnectionModel } from '../models/artifact-connection.model';
import type { ArtifactModel } from '../models/artifact.model';
import type { IncidentModel } from '../models/incident.model';
import { API_DATA_SOURCE, API_SETTINGS } from '../tokens';
import { AuditService } from './audit.service';
import { asArtifactKind, INCIDENT_COLUMNS, toIncidentModel, type IncidentRow } from './incident-row';
import { selectRows, SqlParams } from './sql';

const ORDER = 'kind_id_asc';

interface ArtifactRow {
  kind: string;
  id: string;
  first_seen_at: Date;
}

/** Artifacts (lineage nodes): listing, lookup, registration, and the incidents that concern them. */
@Injectable()
export class ArtifactService {
  constructor(
    @Inject(API_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(API_SETTINGS) private readonly settings: ApiSettings,
    private readonly audit: AuditService,
  ) {}

  async list(
    filter: ArtifactFilterInput | null | undefined,
    first: number,
    after: string | null | undefined,
  ): Promise<ArtifactConnectionModel> {
    checkFirst('first', first, this.settings.maxPageSize);
    const params = new SqlParams();
    const conditions = artifactConditions(filter, params);
    if (after) {
      const position = decodeCursor('after', after, ORDER);
      conditions.push(`(a.kind, a.id) > (${params.add(position.key)}, ${params.add(position.id)})`);
    }
    const rows = await selectRows<ArtifactRow>(
      this.dataSource,
      `SELECT a.kind, a.id, a.first_seen_at FROM artifacts a ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
       ORDER BY a.kind, a.id LIMIT ${params.add(first + 1)}`,
      params.values,
    );
    const edges = rows.slice(0, first).map((row) => ({
      cursor: encodeCursor({ order: ORDER, key: row.kind, id: row.id }),
      node: toArtifact(row),
    }));
    return {
      edges,
      pageInfo: { endCursor: edges.at(-1)?.cursor ?? null, hasNextPage: rows.length > first },
      countTotal: async () => {
        const countParams = new SqlParams();
        const where = artifactConditions(filter, countParams);
        const [row] = await selectRows<{ n: number }>(
          this.dataSource,
          `SELECT count(*)::int AS n FROM artifacts a ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`,
          countParams.values,
        );
        return row.n;
      },
      totalCount: 0,
    };
  }

  async get(ref: ArtifactRefInput): Promise<ArtifactModel | null> {
    const rows = await selectRows<ArtifactRow>(
      this.dataSource,
      `SELECT kind, id, first_seen_at FROM artifacts WHERE kind = $1 AND id = $2`,
      [ref.kind, checkId('id', ref.id)],
    );
    return rows[0] ? toArtifact(rows[0]) : null;
  }

  /** Idempotent: registering a known artifact returns it unchanged (and is still audited). */
  async register(ref: ArtifactRefInput, actor: Principal): Promise<ArtifactModel> {
    checkId('input.id', ref.id);
    return this.dataSource.transaction(async (manager) => {
      const inserted = await selectRows<ArtifactRow>(
        manager,
        `INSERT INTO artifacts (kind, id) VALUES ($1, $2) ON CONFLICT (kind, id) DO NOTHING RETURNING kind, id, first_seen_at`,
        [ref.kind, ref.id],
      );
      await this.audit.other(manager, 'registerArtifact', ref, actor, { created: inserted.length > 0 });
      const [row] = inserted.length
        ? inserted
        : await selectRows<ArtifactRow>(
            manager,
            `SELECT kind, id, first_seen_at FROM artifacts WHERE kind = $1 AND id = $2`,
            [ref.kind, ref.id],
          );
      return toArtifact(row);
    });
  }

  /** For each artifact, its `first` most recent incidents (DataLoader batch; one `first` per batch). */
  async incidentsOf(
    refs: readonly { kind: string; id: string }[],
    first: number,
  ): Promise<IncidentModel[][]> {
    const rows = await selectRows<IncidentRow & { r_kind: string; r_id: string }>(
      this.dataSource,
      `SELECT r.kind AS r_kind, r.id AS r_id, ${INCIDENT_COLUMNS}
       FROM unnest($1::text[], $2::text[]) AS r(kind, id)
       CROSS JOIN LATERAL (
         SELECT i2.id FROM incident_subjects s JOIN incidents i2 ON i2.id = s.incident_id
         WHERE s.subject_kind = r.kind AND s.subject_id = r.id
         ORDER BY i2.created_at DESC, i2.id DESC LIMIT $3
       ) x
       JOIN incidents i ON i.id = x.id LEFT JOIN incident_triage t ON t.incident_id = i.id
       ORDER BY i.created_at DESC, i.id DESC`,
      [refs.map((r) => r.kind), refs.map((r) => r.id), first],
    );
    const byRef = new Map<string, IncidentModel[]>();
    for (const row of rows) {
      const key = `${row.r_kind}\u0000${row.r_id}`;
      const list = byRef.get(key) ?? [];
      list.push(toIncidentModel(row));
      byRef.set(key, list);
    }
    return refs.map((r) => byRef.get(`${r.kind}\u0000${r.id}`) ?? []);
  }
}

function toArtifact(row: ArtifactRow): ArtifactModel {
  return { kind: asArtifactKind(row.kind), id: row.id, firstSeenAt: row.first_seen_at };
}

function artifactConditions(filter: ArtifactFilterInput | null | undefined, params: SqlParams): string[] {
  const conditions: string[] = [];
  if (filter?.kind) conditions.push(`a.kind = ${params.add(filter.kind)}`);
  if (filter?.idPrefix != null) {
    const prefix = checkText('filter.idPrefix', filter.idPrefix, 256);
    // LIKE wildcards in the prefix are taken literally.
    conditions.push(`a.id LIKE ${params.add(`${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)}`);
  }
  return conditions;
}
