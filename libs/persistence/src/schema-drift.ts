import { type DataSource } from 'typeorm';

export interface SchemaDrift {
  /** SQL TypeORM would run to make the database match the entities; empty when they agree. */
  up: string[];
  /** SQL that would undo `up`. */
  down: string[];
}

/**
 * How the database behind an initialised `dataSource` differs from its entities, as TypeORM's schema
 * builder sees it. Applied to a database built only from migrations, an empty result means the
 * migrations and the entities agree.
 */
export async function schemaDrift(dataSource: DataSource): Promise<SchemaDrift> {
  const sql = await dataSource.driver.createSchemaBuilder().log();
  return { up: sql.upQueries.map((q) => q.query), down: sql.downQueries.map((q) => q.query) };
}
