import { MIGRATIONS } from '@damon/migrations';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATION_FILE_PATTERN, migrationFiles, writeMigration } from './migration-file';

const migrationsDir = resolve(__dirname, '../../../migrations');

describe('migrations/', () => {
  it('registers every migration file in MIGRATIONS, oldest first', () => {
    const files = migrationFiles(migrationsDir);
    expect(files.length).toBeGreaterThan(0);
    const index = readFileSync(join(migrationsDir, 'index.ts'), 'utf8');
    for (const file of files) expect(index).toContain(`from './${file.replace(/\.ts$/, '')}'`);
    expect(MIGRATIONS).toHaveLength(files.length);
    const timestamps = files.map((f) => MIGRATION_FILE_PATTERN.exec(f)![1]);
    // TypeORM orders and records migrations by the 13-digit timestamp ending the name.
    expect(MIGRATIONS.map((M) => new M().name?.slice(-13))).toEqual(timestamps);
    for (const M of MIGRATIONS) expect(new M().name).toBe(M.name);
  });
});

describe('writeMigration', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes up and reversed down queries, escaped for a template literal, and registers the class', () => {
    dir = mkdtempSync(join(tmpdir(), 'damon-migrations-'));
    writeFileSync(
      join(dir, 'index.ts'),
      "import { A1 } from './1-a';\n\nexport const MIGRATIONS = [\n  A1,\n];\n",
    );
    const generated = writeMigration(
      dir,
      'AddAlerts table',
      ['CREATE TABLE "a" ("x" text DEFAULT \'`${y}`\\n\')', 'CREATE INDEX "i" ON "a" ("x")'],
      ['DROP TABLE "a"', 'DROP INDEX "i"'],
      1_700_000_000_000,
    );
    expect(generated).toEqual({
      fileName: '1700000000000-add-alerts-table.ts',
      className: 'AddAlertsTable1700000000000',
    });
    const source = readFileSync(join(dir, generated.fileName), 'utf8');
    expect(source).toContain("name = 'AddAlertsTable1700000000000';");
    expect(source).toContain(
      'await queryRunner.query(`CREATE TABLE "a" ("x" text DEFAULT \'\\`\\${y}\\`\\\\n\')`);',
    );
    expect(source.indexOf('DROP INDEX')).toBeLessThan(source.indexOf('DROP TABLE'));
    // The template literal evaluates back to the original SQL.
    const literal = /query\((`CREATE TABLE[^\n]*`)\);/.exec(source)![1];
    expect(runInNewContext(literal)).toBe('CREATE TABLE "a" ("x" text DEFAULT \'`${y}`\\n\')');
    expect(readFileSync(join(dir, 'index.ts'), 'utf8')).toBe(
      "import { A1 } from './1-a';\nimport { AddAlertsTable1700000000000 } from './1700000000000-add-alerts-table';\n\n" +
        'export const MIGRATIONS = [\n  A1,\n  AddAlertsTable1700000000000,\n];\n',
    );
  });
});
