/** Anything that runs SQL inside the caller's transaction: an EntityManager, a QueryRunner. */
export interface SqlRunner {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/** Rows of a SELECT (TypeORM types `query` as `any`; this is the one cast). */
export async function rowsOf<T>(db: SqlRunner, sql: string, parameters: unknown[] = []): Promise<T[]> {
  return (await db.query(sql, parameters)) as T[];
}
