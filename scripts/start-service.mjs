// npm run start:service -- <name>: one service per process, the deployables under apps/ (the same
// library modules npm start composes in one process). Needs KAFKA_BROKERS and DATABASE_URL (migrated).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Service name → entry point; `migrate` applies pending migrations (the cluster's migration Job).
const ENTRIES = {
  'data-monitor': 'apps/data-monitor/src/main.ts',
  'signal-monitor': 'apps/signal-monitor/src/main.ts',
  'representation-monitor': 'apps/representation-monitor/src/main.ts',
  correlator: 'apps/correlator/src/main.ts',
  api: 'apps/api/src/main.ts',
  migrate: 'libs/persistence/src/cli/migrate.ts',
};
const SERVICES = Object.keys(ENTRIES);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const name = process.argv[2];
if (!SERVICES.includes(name)) {
  console.error(`usage: npm run start:service -- <${SERVICES.join('|')}>`);
  process.exit(2);
}
const main = join(root, ENTRIES[name]);
if (!existsSync(main)) {
  console.error(`${main} is missing`);
  process.exit(2);
}
const child = spawn(
  process.execPath,
  ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', main, ...process.argv.slice(3)],
  { cwd: root, stdio: 'inherit' },
);
// The service handles SIGINT/SIGTERM itself (finish, commit, leave the group): pass them on.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
