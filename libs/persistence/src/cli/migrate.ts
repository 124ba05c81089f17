/**
 * npm run migrate                       apply pending migrations to DATABASE_URL
 * npm run migrate -- --revert           revert the last applied migration
 * npm run migrate -- --show             list applied and pending migrations
 * npm run migration:check               fail when entities and migrations disagree (on a scratch database)
 * npm run migration:generate -- <Name>  write a migration from the entity changes and register it
 *
 * Runs with plain node + ts-node (see package.json), no Nx.
 */
import { databaseUrlVar, loadConfig } from '@damon/config';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { MigrationExecutor, type DataSource } from 'typeorm';
import { z } from 'zod';
import { createDataSource } from '../data-source';
import { writeMigration } from '../migration-file';
import { schemaDrift } from '../schema-drift';
import { createScratchDatabase } from '../scratch-database';

const MIGRATIONS_DIR = resolve(__dirname, '../../../../migrations');

async function withDataSource<T>(url: string, run: (dataSource: DataSource) => Promise<T>): Promise<T> {
  const dataSource = await createDataSource(url, { poolSize: 2 }).initialize();
  try {
    return await run(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

async function migrate(url: string): Promise<void> {
  const applied = await withDataSource(url, (ds) => ds.runMigrations());
  if (applied.length === 0) console.log('No pending migrations.');
  for (const m of applied) console.log(`Applied ${m.name}`);
}

async function revert(url: string): Promise<void> {
  await withDataSource(url, async (ds) => {
    const executed = await new MigrationExecutor(ds).getExecutedMigrations();
    const last = executed.sort((a, b) => b.timestamp - a.timestamp)[0];
    if (!last) {
      console.log('No applied migration to revert.');
      return;
    }
    await ds.undoLastMigration();
    console.log(`Reverted ${last.name}`);
  });
}

async function show(url: string): Promise<void> {
  await withDataSource(url, async (ds) => {
    const executor = new MigrationExecutor(ds);
    for (const m of await executor.getExecutedMigrations()) console.log(`[x] ${m.name}`);
    for (const m of await executor.getPendingMigrations()) console.log(`[ ] ${m.name}`);
  });
}

/** Applies every migration to a scratch database and returns what the entities would still change. */
async function driftFromMigrations(serverUrl: string) {
  const scratch = await createScratchDatabase(serverUrl, 'damon_migration_check');
  try {
    return await withDataSource(scratch.url, async (ds) => {
      await ds.runMigrations();
      return schemaDrift(ds);
    });
  } finally {
    await scratch.drop();
  }
}

async function check(serverUrl: string): Promise<boolean> {
  const drift = await driftFromMigrations(serverUrl);
  if (drift.up.length === 0) {
    console.log('Entities and migrations agree.');
    return true;
  }
  console.log('Entities and migrations disagree; the entities would need:');
  for (const q of drift.up) console.log(`  ${q};`);
  console.log('Run `npm run migration:generate -- <Name>` or write the migration by hand.');
  return false;
}

async function generate(serverUrl: string, name: string): Promise<void> {
  const drift = await driftFromMigrations(serverUrl);
  if (drift.up.length === 0) {
    console.log('Entities and migrations agree: nothing to generate.');
    return;
  }
  const { fileName } = writeMigration(MIGRATIONS_DIR, name, drift.up, drift.down);
  console.log(`Wrote migrations/${fileName} and registered it in migrations/index.ts: review its SQL.`);
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: {
      revert: { type: 'boolean', default: false },
      show: { type: 'boolean', default: false },
      check: { type: 'boolean', default: false },
      generate: { type: 'boolean', default: false },
    },
    allowPositionals: true,
  });
  const { DATABASE_URL: url } = loadConfig(z.object({ DATABASE_URL: databaseUrlVar({ required: true }) }));
  if (values.generate) {
    const name = positionals[0];
    if (!name) throw new Error('usage: npm run migration:generate -- <Name>');
    await generate(url, name);
    return 0;
  }
  if (values.check) return (await check(url)) ? 0 : 1;
  if (values.revert) await revert(url);
  else if (values.show) await show(url);
  else await migrate(url);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
