#!/usr/bin/env node
// `npm test`: lint, type-check, unit tests, then integration tests against a real Kafka broker and a
// real PostgreSQL server, which this script starts once through infra/ (unless KAFKA_BROKERS and
// DATABASE_URL name existing ones) and stops afterwards, also on failure or interruption.
// Prints one summary line at the end: `tests: N passed, N failed, N skipped`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const resultsDir = resolve(root, 'test-results');
mkdirSync(resultsDir, { recursive: true });

const totals = { passed: 0, failed: 0, skipped: 0 };
const failedSteps = [];
const stops = [];

function log(message) {
  console.log(`\n[test] ${message}`);
}

function run(command, args, env = {}) {
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return { ok: result.status === 0, seconds: ((Date.now() - started) / 1000).toFixed(1) };
}

/** A gate (lint, type-check) counts as one test in the summary. */
function gate(name, command, args) {
  log(`${name} …`);
  const { ok, seconds } = run(command, args);
  log(`${name} ${ok ? 'passed' : 'FAILED'} in ${seconds}s`);
  if (ok) totals.passed += 1;
  else {
    totals.failed += 1;
    failedSteps.push(name);
  }
}

function vitest(project, env = {}) {
  const report = resolve(resultsDir, `${project}.json`);
  rmSync(report, { force: true });
  log(`${project} tests …`);
  const { ok, seconds } = run(
    'npx',
    ['vitest', 'run', '--project', project, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`],
    env,
  );
  if (!existsSync(report)) {
    totals.failed += 1;
    failedSteps.push(`${project} (no report)`);
    return;
  }
  const r = JSON.parse(readFileSync(report, 'utf8'));
  totals.passed += r.numPassedTests;
  totals.failed += r.numFailedTests;
  totals.skipped += r.numPendingTests + r.numTodoTests;
  // A suite that failed to load has no failing test of its own: count it.
  const brokenSuites = r.testResults.filter((s) => s.status === 'failed' && s.assertionResults.length === 0).length;
  totals.failed += brokenSuites;
  if (!ok || r.numFailedTests > 0 || brokenSuites > 0) failedSteps.push(project);
  log(`${project}: ${r.numPassedTests} passed, ${r.numFailedTests} failed in ${seconds}s`);
}

/** Starts a server through infra/<name>/start unless `variable` is already set; returns its value. */
function ensureService(variable, name) {
  if (process.env[variable]) return process.env[variable];
  log(`starting ${name} through infra/${name}/start …`);
  const result = spawnSync('bash', [resolve(root, `infra/${name}/start`)], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (result.status !== 0) throw new Error(`infra/${name}/start failed:\n${result.stdout}`);
  stops.push(() => spawnSync('bash', [resolve(root, `infra/${name}/stop`)], { cwd: root, stdio: 'inherit' }));
  const line = result.stdout.trim().split('\n').pop() ?? '';
  if (!line.startsWith(`${variable}=`)) throw new Error(`infra/${name}/start printed no ${variable}=… line`);
  return line.slice(variable.length + 1);
}

function stopServices() {
  while (stops.length) stops.pop()();
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopServices();
    process.exit(130);
  });
}

try {
  gate('lint', 'npx', ['eslint', '.']);
  gate('type-check', 'npx', ['tsc', '-p', 'tsconfig.json']);
  if (existsSync(resolve(root, 'tools/python/ensure-venv.mjs'))) {
    gate('python reference environment', 'node', ['tools/python/ensure-venv.mjs']);
  }
  vitest('unit');
  let env;
  try {
    env = { KAFKA_BROKERS: ensureService('KAFKA_BROKERS', 'kafka'), DATABASE_URL: ensureService('DATABASE_URL', 'postgres') };
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    totals.failed += 1;
    failedSteps.push('infrastructure');
  }
  if (env) vitest('integration', env);
} finally {
  stopServices();
}

if (failedSteps.length) log(`failed: ${failedSteps.join(', ')}`);
console.log(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(failedSteps.length ? 1 : 0);
