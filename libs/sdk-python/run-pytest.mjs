#!/usr/bin/env node
// Runs the Python SDK's pytest suite in the project's .venv against the Kafka broker and PostgreSQL
// server named by KAFKA_BROKERS / DATABASE_URL (npm test runs it from an integration spec, inside
// the window where its global setup has them up). Writes test-results/pytest.json
// ({passed, failed, skipped, exitCode}) for scripts/test.mjs's summary. Exits non-zero when a test
// failed or errored, and when pytest collected no test at all (its exit code 5).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const results = resolve(root, 'test-results');
const junit = resolve(results, 'pytest.xml');
const summary = resolve(results, 'pytest.json');
mkdirSync(results, { recursive: true });
rmSync(summary, { force: true });
rmSync(junit, { force: true });

const missing = ['KAFKA_BROKERS', 'DATABASE_URL'].filter((v) => !process.env[v]);
if (missing.length) {
  console.error(`[pytest] ${missing.join(' and ')} not set: point them at a running Kafka and PostgreSQL`);
  process.exit(1);
}
const venv = spawnSync('node', [resolve(root, 'tools/python/ensure-venv.mjs')], { stdio: 'inherit' });
if (venv.status !== 0) process.exit(1);

const pytest = spawnSync(
  resolve(root, '.venv/bin/python'),
  ['-m', 'pytest', '-v', `--junitxml=${junit}`, ...process.argv.slice(2)],
  { cwd: resolve(root, 'libs/sdk-python'), stdio: 'inherit' },
);
const exitCode = pytest.status ?? 1;
const counts = { passed: 0, failed: 0, skipped: 0, exitCode };
try {
  const xml = readFileSync(junit, 'utf8');
  const attr = (name) =>
    [...xml.matchAll(new RegExp(`<testsuite [^>]*\\b${name}="(\\d+)"`, 'g'))].reduce(
      (n, m) => n + Number(m[1]),
      0,
    );
  counts.failed = attr('failures') + attr('errors');
  counts.skipped = attr('skipped');
  counts.passed = attr('tests') - counts.failed - counts.skipped;
} catch {
  counts.failed = 1; // pytest crashed before writing its report
}
if (exitCode === 5) {
  console.error('[pytest] collected no tests: that is a failure, not a pass');
  counts.failed = Math.max(counts.failed, 1);
} else if (exitCode !== 0) counts.failed = Math.max(counts.failed, 1);
writeFileSync(summary, `${JSON.stringify(counts)}\n`);
console.log(
  `[pytest] ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped (exit ${exitCode})`,
);
process.exit(exitCode === 0 && counts.failed === 0 ? 0 : 1);
