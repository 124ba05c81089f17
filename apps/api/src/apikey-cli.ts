/**
 * npm run apikey -- create --role <viewer|triager|admin> [--name <holder>]   prints the key once
 * npm run apikey -- list
 * npm run apikey -- revoke <id>
 * Uses DATABASE_URL (migrated).
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { ApiKeyService, isRole, ROLES } from '@damon/api';
import { ConfigError, databaseUrlVar, loadConfig } from '@damon/config';
import { createDataSource } from '@damon/persistence';
import { z } from 'zod';

const USAGE = `usage: npm run apikey -- create --role <${ROLES.join('|')}> [--name <holder>] | list | revoke <id>`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { role: { type: 'string' }, name: { type: 'string' } },
  });
  const [command, ...rest] = positionals;
  if (!command || !['create', 'list', 'revoke'].includes(command)) {
    console.error(USAGE);
    return 2;
  }
  const config = loadConfig(z.object({ DATABASE_URL: databaseUrlVar({ required: true }) }));
  const dataSource = await createDataSource(config.DATABASE_URL, { poolSize: 1 }).initialize();
  try {
    const keys = new ApiKeyService(dataSource);
    switch (command) {
      case 'create': {
        if (!values.role || !isRole(values.role)) {
          console.error(`--role must be one of ${ROLES.join(', ')}\n${USAGE}`);
          return 2;
        }
        const name = values.name?.trim() || `${values.role}-key`;
        const { key, row } = await keys.create(values.role, name);
        console.log(`created key ${row.id} (${row.role}, ${row.name}). Store it now, it is not shown again:`);
        console.log(key);
        return 0;
      }
      case 'list': {
        for (const k of await keys.list()) {
          console.log(
            `${k.id}\t${k.role}\t${k.name}\tcreated ${k.createdAt.toISOString()}\t${k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : 'active'}`,
          );
        }
        return 0;
      }
      case 'revoke': {
        const id = rest[0];
        if (!id) {
          console.error(USAGE);
          return 2;
        }
        const revoked = await keys.revoke(id);
        console.log(revoked ? `revoked ${id}` : `no active key ${id}`);
        return revoked ? 0 : 1;
      }
      default:
        return 2;
    }
  } finally {
    await dataSource.destroy();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(1);
  },
);
