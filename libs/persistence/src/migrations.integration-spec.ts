import { databaseUrlVar, loadConfig } from '@damon/config';
import { MIGRATIONS } from '@damon/migrations';
import { type DataSource, type QueryRunner } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createDataSource } from './data-source';
import { schemaDrift } from './schema-drift';
import { createScratchDatabase, type ScratchDatabase } from './scratch-database';

const { DATABASE_URL } = loadConfig(z.object({ DATABASE_URL: databaseUrlVar({ required: true }) }));

/**
 * Everything a migration can create in the public schema, one line per object, leaving out TypeORM's
 * own `migrations` bookkeeping table.
 */
async function schemaSnapshot(queryRunner: QueryRunner): Promise<string[]> {
  const rows = (await queryRunner.query(`
    SELECT 'relation ' || c.relkind::text || ' ' || c.relname AS line FROM pg_class c
      WHERE c.relnamespace = 'public'::regnamespace AND c.relname NOT IN ('migrations', 'migrations_id_seq')
        AND c.relname NOT IN (SELECT indexname FROM pg_indexes WHERE tablename = 'migrations')
    UNION ALL SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable
        || ' ' || coalesce(column_default, '-')
      FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'migrations'
    UNION ALL SELECT 'constraint ' || conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
      FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text <> 'migrations'
    UNION ALL SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename <> 'migrations'
    UNION ALL SELECT 'type ' || typtype::text || ' ' || typname FROM pg_type
      WHERE typnamespace = 'public'::regnamespace AND typtype IN ('e', 'd', 'r', 'm')
    UNION ALL SELECT 'function ' || proname::text FROM pg_proc WHERE pronamespace = 'public'::regnamespace
    UNION ALL SELECT 'trigger ' || tgname::text FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
      WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal
    UNION ALL SELECT 'extension ' || extname::text FROM pg_extension WHERE extname <> 'plpgsql'
    ORDER BY line`)) as Array<{ line: string }>;
  return rows.map((r) => r.line);
}

function printDrift(up: string[]): void {
  if (up.length > 0)
    console.error(
      `Entities and migrations disagree; TypeORM would run:\n${up.map((q) => `  ${q};`).join('\n')}`,
    );
}

describe('migrations against the entities (real PostgreSQL)', () => {
  let scratch: ScratchDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    scratch = await createScratchDatabase(DATABASE_URL, 'damon_test_migrations');
    dataSource = await createDataSource(scratch.url, { poolSize: 2 }).initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await scratch?.drop();
  });

  it('starts from an empty database', async () => {
    const queryRunner = dataSource.createQueryRunner();
    try {
      expect(await schemaSnapshot(queryRunner)).toEqual([]);
    } finally {
      await queryRunner.release();
    }
  });

  it('applies every migration and leaves nothing for the entities to change', async () => {
    const applied = await dataSource.runMigrations();
    expect(applied.map((m) => m.name)).toEqual(MIGRATIONS.map((M) => new M().name));
    const queryRunner = dataSource.createQueryRunner();
    try {
      // The snapshot does see what migrations create (else "reverts to empty" would prove nothing).
      expect(await schemaSnapshot(queryRunner)).toEqual(
        expect.arrayContaining(['relation r detector_baselines', 'relation r processed_events']),
      );
    } finally {
      await queryRunner.release();
    }
    const drift = await schemaDrift(dataSource);
    printDrift(drift.up);
    expect(drift.up).toEqual([]);
  });

  it('reverts every migration, in order, back to an empty schema, and applies them again', async () => {
    const queryRunner = dataSource.createQueryRunner();
    try {
      for (let i = 0; i < MIGRATIONS.length; i++) await dataSource.undoLastMigration();
      expect(await dataSource.showMigrations()).toBe(true);
      expect(await schemaSnapshot(queryRunner)).toEqual([]);

      await dataSource.runMigrations();
      const drift = await schemaDrift(dataSource);
      printDrift(drift.up);
      expect(drift.up).toEqual([]);
    } finally {
      await queryRunner.release();
    }
  });

  it("each migration's down restores exactly the schema before its up", async () => {
    // Walk the migrations one by one on a second scratch database, checking each down on its own:
    // a down that forgets an index or a type is caught at the migration that introduced it.
    const stepwise = await createScratchDatabase(DATABASE_URL, 'damon_test_migrations_steps');
    const stepSource = await createDataSource(stepwise.url, { poolSize: 1 }).initialize();
    const queryRunner = stepSource.createQueryRunner();
    try {
      for (const Migration of MIGRATIONS) {
        const migration = new Migration();
        const before = await schemaSnapshot(queryRunner);
        await migration.up(queryRunner);
        const after = await schemaSnapshot(queryRunner);
        await migration.down(queryRunner);
        expect(await schemaSnapshot(queryRunner), `${migration.name} down`).toEqual(before);
        await migration.up(queryRunner);
        expect(await schemaSnapshot(queryRunner), `${migration.name} up after down`).toEqual(after);
      }
    } finally {
      await queryRunner.release();
      await stepSource.destroy();
      await stepwise.drop();
    }
  });
});
