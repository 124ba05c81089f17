#!/usr/bin/env node
// `npm test`: lint, type-check, unit tests, then integration tests against a real Kafka broker and a
// real PostgreSQL server (started once for the run by the integration project's global setup).
// Prints one summary line at the end: `tests: N passed, N failed, N skipped`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { countVitestRun } from '../tools/vitest/vitest-report.mjs';

const root = resolve(import.meta.dirname, '..');
const resultsDir = resolve(root, 'test-results');
mkdirSync(resultsDir, { recursive: true });

const totals = { passed: 0, failed: 0, skipped: 0 };
const failedSteps = [];

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

/** `verbose` names every test, so the log shows what ran against the real Kafka and PostgreSQL. */
function vitest(project, reporter = 'default') {
  const report = resolve(resultsDir, `${project}.json`);
  rmSync(report, { force: true });
  log(`${project} tests …`);
  const { ok, seconds } = run('npx', [
    'vitest',
    'run',
    '--project',
    project,
    `--reporter=${reporter}`,
    '--reporter=json',
    `--outputFile.json=${report}`,
  ]);
  const counted = countVitestRun(
    existsSync(report) ? JSON.parse(readFileSync(report, 'utf8')) : undefined,
    ok,
  );
  totals.passed += counted.passed;
  totals.failed += counted.failed;
  totals.skipped += counted.skipped;
  if (!counted.ok) failedSteps.push(existsSync(report) ? project : `${project} (no report)`);
  log(`${project}: ${counted.passed} passed, ${counted.failed} failed in ${seconds}s`);
}

/**
 * The Python SDK's pytest suite runs inside the integration step (libs/sdk-python's integration
 * spec, while Kafka and PostgreSQL are up); its own counts are added here. No report = a failure.
 */
function pytestCounts() {
  const report = resolve(resultsDir, 'pytest.json');
  if (!existsSync(report)) {
    totals.failed += 1;
    failedSteps.push('pytest (no report)');
    return;
  }
  const r = JSON.parse(readFileSync(report, 'utf8'));
  totals.passed += r.passed;
  totals.failed += r.failed;
  totals.skipped += r.skipped;
  if (r.failed > 0 || r.exitCode !== 0) failedSteps.push('pytest');
  log(`pytest: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`);
}

// npm run lint computes the Nx project graph first: without it the boundary rule skips itself.
gate('lint', 'npm', ['run', '--silent', 'lint']);
gate('type-check', 'npx', ['tsc', '-p', 'tsconfig.json']);
gate('type-check console', 'npx', ['tsc', '-p', 'apps/console/tsconfig.json']);
gate('python reference environment', 'node', ['tools/python/ensure-venv.mjs']);
vitest('unit');
// The integration project's global setup starts Kafka and PostgreSQL through infra/ (unless
// KAFKA_BROKERS / DATABASE_URL name existing ones) and stops them when the run ends.
rmSync(resolve(resultsDir, 'pytest.json'), { force: true });
vitest('integration', 'verbose');
pytestCounts();

if (failedSteps.length) log(`failed: ${failedSteps.join(', ')}`);
console.log(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(failedSteps.length ? 1 : 0);
