import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** `<13-digit timestamp>-<kebab-name>.ts`: the files of migrations/ that hold a migration. */
export const MIGRATION_FILE_PATTERN = /^(\d{13})-([a-z0-9]+(?:-[a-z0-9]+)*)\.ts$/;

/** Migration files in `dir`, oldest first. */
export function migrationFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => MIGRATION_FILE_PATTERN.test(f))
    .sort();
}

export interface GeneratedMigration {
  fileName: string;
  className: string;
}

/**
 * Writes a migration holding `up` (and `down`, in reverse order) as SQL and registers it at the end of
 * `<dir>/index.ts`. `name` is a PascalCase or kebab-case description, e.g. "AddAlerts" or "add-alerts".
 */
export function writeMigration(
  dir: string,
  name: string,
  up: string[],
  down: string[],
  timestamp = Date.now(),
): GeneratedMigration {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
  if (words.length === 0) throw new Error(`migration name '${name}' has no letters or digits`);
  const pascal = words.map((w) => w[0].toUpperCase() + w.slice(1)).join('');
  const className = `${pascal}${timestamp}`;
  const fileName = `${timestamp}-${words.join('-')}.ts`;
  if (!MIGRATION_FILE_PATTERN.test(fileName))
    throw new Error(`cannot make a migration file name from '${name}'`);

  const statements = (queries: string[]) =>
    queries
      .map((q) => `    await queryRunner.query(\`${q.replace(/[\\`]/g, '\\$&').replace(/\$\{/g, '\\${')}\`);`)
      .join('\n');
  writeFileSync(
    join(dir, fileName),
    `import { type MigrationInterface, type QueryRunner } from 'typeorm';

export class ${className} implements MigrationInterface {
  name = '${className}';

  async up(queryRunner: QueryRunner): Promise<void> {
${statements(up)}
  }

  async down(queryRunner: QueryRunner): Promise<void> {
${statements([...down].reverse())}
  }
}
`,
  );

  const indexPath = join(dir, 'index.ts');
  const index = readFileSync(indexPath, 'utf8');
  const lines = index.split('\n');
  const lastImport = lines.reduce((last, line, i) => (line.startsWith('import ') ? i : last), -1);
  lines.splice(lastImport + 1, 0, `import { ${className} } from './${fileName.replace(/\.ts$/, '')}';`);
  const listEnd = lines.lastIndexOf('];');
  if (listEnd < 0) throw new Error(`${indexPath}: cannot find the end of the MIGRATIONS list`);
  lines.splice(listEnd, 0, `  ${className},`);
  writeFileSync(indexPath, lines.join('\n'));
  return { fileName, className };
}
