import type { SqlRunner } from './sql-runner';

/**
 * Key of the transaction-scoped advisory lock that serialises incident fusion across correlator
 * instances (two instances on different partitions could otherwise each open an incident for two
 * connected subjects, or merge the same incidents twice) and status changes made through the API
 * (an alert is never added to an incident resolved under a fusion in progress). ('damo' as an int.)
 */
export const FUSION_LOCK_KEY = 0x64616d6f;

/**
 * Takes the fusion lock for the rest of the transaction. Also turns JIT off for it: the recursive
 * lineage walk's cost estimate is large enough to trigger JIT compilation, which costs ~350 ms per
 * batch for a query that runs in a few milliseconds.
 */
export async function lockFusion(db: SqlRunner): Promise<void> {
  await db.query(`SELECT pg_advisory_xact_lock($1), set_config('jit', 'off', true)`, [FUSION_LOCK_KEY]);
}
