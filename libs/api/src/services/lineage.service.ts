import { Inject, Injectable } from '@nestjs/common';
import { LINEAGE_WALK_CTE } from '@damon/persistence';
import { DataSource } from 'typeorm';
import { badUserInput } from '../errors';
import type { ArtifactRefModel } from '../models/artifact-ref.model';
import { LineageRelation } from '../models/enums';
import type { LineageGraphModel } from '../models/lineage-graph.model';
import { API_DATA_SOURCE } from '../tokens';
import { asArtifactKind } from './incident-row';
import { selectRows } from './sql';

export const MAX_LINEAGE_HOPS = 3;
export const MAX_LINEAGE_NODES = 200;

/** Bounded walks of the lineage graph, in both directions (upstream and downstream). */
@Injectable()
export class LineageService {
  constructor(@Inject(API_DATA_SOURCE) private readonly dataSource: DataSource) {}

  async subgraph(roots: readonly ArtifactRefModel[], hops: number): Promise<LineageGraphModel> {
    if (!Number.isInteger(hops) || hops < 0 || hops > MAX_LINEAGE_HOPS) {
      throw badUserInput('hops', `must be an integer in [0, ${MAX_LINEAGE_HOPS}]`);
    }
    if (roots.length === 0) return { nodes: [], edges: [], truncated: false };
    const nodes = await selectRows<{ kind: string; id: string }>(
      this.dataSource,
      `${LINEAGE_WALK_CTE}
       SELECT kind, id FROM walk GROUP BY kind, id ORDER BY min(depth), kind, id LIMIT $4`,
      [roots.map((r) => r.kind), roots.map((r) => r.id), hops, MAX_LINEAGE_NODES + 1],
    );
    const truncated = nodes.length > MAX_LINEAGE_NODES;
    const kept = nodes.slice(0, MAX_LINEAGE_NODES);
    const kinds = kept.map((n) => n.kind);
    const ids = kept.map((n) => n.id);
    const edges = await selectRows<{
      from_kind: string;
      from_id: string;
      to_kind: string;
      to_id: string;
      relation: string;
      occurred_at: Date;
    }>(
      this.dataSource,
      `SELECT e.from_kind, e.from_id, e.to_kind, e.to_id, e.relation, e.occurred_at
       FROM lineage_edges e
       WHERE (e.from_kind, e.from_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
         AND (e.to_kind, e.to_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
       ORDER BY e.from_kind, e.from_id, e.to_kind, e.to_id, e.relation`,
      [kinds, ids],
    );
    return {
      nodes: kept.map((n) => ({ kind: asArtifactKind(n.kind), id: n.id })),
      edges: edges.map((e) => ({
        from: { kind: asArtifactKind(e.from_kind), id: e.from_id },
        to: { kind: asArtifactKind(e.to_kind), id: e.to_id },
        relation: e.relation as LineageRelation,
        occurredAt: e.occurred_at,
      })),
      truncated,
    };
  }
}
