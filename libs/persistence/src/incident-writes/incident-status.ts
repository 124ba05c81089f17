import { rowsOf, type SqlRunner } from './sql-runner';

export type IncidentStatusValue = 'open' | 'resolved';

/**
 * Moves an incident from `from` to `to` (resolve: open → resolved, reopen: resolved → open),
 * bumping its version; whether it had been announced, or undefined when it was not in `from`.
 * Call under lockFusion, so no fusion adds an alert to an incident resolved under it.
 */
export async function changeIncidentStatus(
  db: SqlRunner,
  incidentId: string,
  from: IncidentStatusValue,
  to: IncidentStatusValue,
  now: Date,
): Promise<{ announced: boolean } | undefined> {
  const rows = await rowsOf<{ announced: boolean }>(
    db,
    // Through a CTE: TypeORM returns [rows, count] for a bare UPDATE … RETURNING.
    `WITH changed AS (
       UPDATE incidents SET status = $3, resolved_at = CASE WHEN $3 = 'resolved' THEN $4::timestamptz ELSE NULL END,
         updated_at = $4, version = version + 1
       WHERE id = $1 AND status = $2 RETURNING announced
     ) SELECT announced FROM changed`,
    [incidentId, from, to, now],
  );
  return rows[0];
}
