#!/usr/bin/env node
// Builds the console (vite, production) into dist/apps/console when there is no build or a source is
// newer than it, so `npm start` and the e2e tests serve the code in the tree. Prints the folder on
// stdout; progress and errors on stderr; exits non-zero when the build fails.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const dist = resolve(root, 'dist/apps/console');
const sources = [
  'apps/console/src',
  'apps/console/index.html',
  'apps/console/vite.config.mts',
  'package-lock.json',
];

function newest(path) {
  const full = resolve(root, path);
  if (!existsSync(full)) return 0;
  const stat = statSync(full);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(full).map((name) => newest(join(path, name))));
}

const index = resolve(dist, 'index.html');
const built = existsSync(index) ? statSync(index).mtimeMs : 0;
if (built === 0 || built < Math.max(...sources.map(newest))) {
  process.stderr.write('[console] building the console (vite, production)…\n');
  // NODE_ENV=production whatever the caller's: under Vitest it is `test`, which would ship React's
  // development bundle.
  const vite = resolve(root, 'node_modules/vite/bin/vite.js');
  const result = spawnSync(
    process.execPath,
    [vite, 'build', '--config', 'apps/console/vite.config.mts', '--logLevel', 'error'],
    { cwd: root, encoding: 'utf8', env: { ...process.env, NODE_ENV: 'production' } },
  );
  if (result.status !== 0) {
    process.stderr.write(`[console] build failed:\n${result.stdout}\n${result.stderr}\n`);
    process.exit(1);
  }
}
process.stdout.write(`${dist}\n`);
