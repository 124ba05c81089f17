import { MIGRATIONS } from '@damon/migrations';
import { DataSource, MigrationExecutor, type DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';

type PostgresOptions = Extract<DataSourceOptions, { type: 'postgres' }>;

/** What callers may tune; the schema-defining options are fixed here. */
export type CreateDataSourceOptions = Partial<
  Omit<
    PostgresOptions,
    | 'type'
    | 'url'
    | 'entities'
    | 'migrations'
    | 'synchronize'
    | 'migrationsRun'
    | 'dropSchema'
    | 'uuidExtension'
    | 'installExtensions'
  >
>;

/**
 * A PostgreSQL DataSource (not yet initialised) for `url` with every entity of this library and every
 * migration of migrations/. The schema changes only through migrations: never synchronised, and
 * migrations run only when asked (`npm run migrate`, or `runMigrations()` by an embedded runner).
 */
export function createDataSource(url: string, options: CreateDataSourceOptions = {}): DataSource {
  return new DataSource({
    // Each migration in its own transaction, so one may opt out (`transaction = false`), e.g. for
    // CREATE INDEX CONCURRENTLY, and a failure leaves the ones before it applied and recorded.
    migrationsTransactionMode: 'each',
    ...options,
    type: 'postgres',
    url,
    entities: [...ENTITIES],
    migrations: [...MIGRATIONS],
    synchronize: false,
    migrationsRun: false,
    dropSchema: false,
    // gen_random_uuid() is built into PostgreSQL 13+: no extension to install, and the runtime role
    // need not be allowed to install one (schema changes belong to migrations).
    uuidExtension: 'pgcrypto',
    installExtensions: false,
  });
}

/**
 * Opens the database for a service: initialises the pool and refuses to go on (closing it again)
 * when migrations are pending, so a service never runs against a schema it does not know.
 */
export async function openServiceDataSource(
  url: string,
  options: CreateDataSourceOptions = {},
): Promise<DataSource> {
  const dataSource = await createDataSource(url, options).initialize();
  const pending = await new MigrationExecutor(dataSource).getPendingMigrations();
  if (pending.length > 0) {
    await dataSource.destroy();
    throw new Error(
      `database schema is behind: ${pending.map((m) => m.name).join(', ')} not applied; run \`npm run migrate\` first`,
    );
  }
  return dataSource;
}
