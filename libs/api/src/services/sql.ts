/** Anything that runs SQL, and the rows of a SELECT: the helpers the correlator's writes use too. */
export { rowsOf as selectRows, type SqlRunner as Queryable } from '@damon/persistence';

/** Numbered parameters for SQL built from optional filters: values never enter the SQL text. */
export class SqlParams {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** ISO-8601 with microseconds in UTC: keyset cursors need the exact stored timestamp. */
export function exactTimestamp(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}
