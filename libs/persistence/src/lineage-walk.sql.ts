/**
 * `walk(kind, id, depth)`: every artifact within `$3` lineage edges of the seed artifacts (`$1`
 * kinds and `$2` ids, as parallel text arrays), following edges in both directions. The start of
 * a query: `${LINEAGE_WALK_CTE} SELECT … FROM walk …`. Artifacts reached by several paths appear
 * once per depth; group by (kind, id) for the nearest.
 */
export const LINEAGE_WALK_CTE = `WITH RECURSIVE walk(kind, id, depth) AS (
  SELECT s.kind, s.id, 0 FROM unnest($1::text[], $2::text[]) AS s(kind, id)
  UNION
  SELECT n.kind, n.id, w.depth + 1
  FROM walk w
  CROSS JOIN LATERAL (
    SELECT e.to_kind AS kind, e.to_id AS id FROM lineage_edges e WHERE e.from_kind = w.kind AND e.from_id = w.id
    UNION ALL
    SELECT e.from_kind, e.from_id FROM lineage_edges e WHERE e.to_kind = w.kind AND e.to_id = w.id
  ) n
  WHERE w.depth < $3
)`;
