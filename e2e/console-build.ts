import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..');
export const CONSOLE_DIST = resolve(root, 'dist/apps/console');
const SOURCES = [
  'apps/console/src',
  'apps/console/index.html',
  'apps/console/vite.config.mts',
  'package-lock.json',
];

function newest(path: string): number {
  const full = resolve(root, path);
  if (!existsSync(full)) return 0;
  const stat = statSync(full);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(full).map((name) => newest(join(path, name))));
}

/**
 * The console the API serves is the production build: build it when there is none or a source is
 * newer, so `npm test` on a clean checkout runs the e2e tests against the code in the tree.
 */
export function ensureConsoleBuild(): string {
  const index = resolve(CONSOLE_DIST, 'index.html');
  const built = existsSync(index) ? statSync(index).mtimeMs : 0;
  if (built > 0 && built >= Math.max(...SOURCES.map(newest))) return CONSOLE_DIST;
  // NODE_ENV=production whatever the caller's (Vitest sets test, which would build React's
  // development bundle): the tests and the benchmark measure what ships.
  const result = spawnSync(
    'env',
    [
      'NODE_ENV=production',
      'npx',
      'vite',
      'build',
      '--config',
      'apps/console/vite.config.mts',
      '--logLevel',
      'warn',
    ],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  if (result.status !== 0) throw new Error(`console build failed:\n${result.stdout}\n${result.stderr}`);
  return CONSOLE_DIST;
}
