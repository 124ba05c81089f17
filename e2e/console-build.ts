import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(__dirname, '..');

/** The production build the API serves, rebuilt when stale (apps/console/build-if-stale.mjs). */
export function ensureConsoleBuild(): string {
  const result = spawnSync(process.execPath, [resolve(root, 'apps/console/build-if-stale.mjs')], {
    cwd: root,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`console build failed:\n${result.stderr}`);
  return result.stdout.trim();
}
