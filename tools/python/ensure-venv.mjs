#!/usr/bin/env node
// Creates <repo>/.venv and installs tools/python/requirements-test.txt into it, then the Python SDK's
// pinned requirements (libs/sdk-python/requirements-dev.txt) and the SDK itself, editable.
// Idempotent: pip runs only when the requirements files' hash differs from the one stored in
// .venv/requirements.sha256 after the last successful install. Progress goes to stderr so that
// callers may keep stdout clean; exits non-zero with a clear message on failure.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');
const venv = join(repoRoot, '.venv');
const requirements = join(here, 'requirements-test.txt');
const sdk = join(repoRoot, 'libs/sdk-python');
const sdkRequirements = join(sdk, 'requirements-dev.txt');
const hashFile = join(venv, 'requirements.sha256');
const python = join(venv, 'bin', 'python');

function log(message) {
  process.stderr.write(`[ensure-venv] ${message}\n`);
}

function fail(message) {
  process.stderr.write(`[ensure-venv] FAILED: ${message}\n`);
  process.exit(1);
}

function run(command, args) {
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], cwd: repoRoot });
  if (result.error) fail(`${command} ${args.join(' ')}: ${result.error.message}`);
  if (result.status !== 0) fail(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
}

const wanted = createHash('sha256')
  .update(readFileSync(requirements))
  .update(readFileSync(sdkRequirements))
  .update(readFileSync(join(sdk, 'pyproject.toml')))
  .digest('hex');

if (!existsSync(python)) {
  log(`creating ${venv} with python3 -m venv`);
  run('python3', ['-m', 'venv', venv]);
}
const installed = existsSync(hashFile) ? readFileSync(hashFile, 'utf8').trim() : '';
if (installed === wanted) {
  log('up to date');
  process.exit(0);
}
log(
  `installing ${requirements} (hash ${wanted.slice(0, 12)} differs from ${installed.slice(0, 12) || 'none'})`,
);
run(python, [
  '-m',
  'pip',
  'install',
  '--disable-pip-version-check',
  '--progress-bar',
  'off',
  '-r',
  requirements,
  '-r',
  sdkRequirements,
  '--editable',
  sdk,
]);
writeFileSync(hashFile, `${wanted}\n`);
log('installed');
