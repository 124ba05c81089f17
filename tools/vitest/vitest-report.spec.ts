import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs module without types, shared with scripts/test.mjs
import { countVitestRun } from './vitest-report.mjs';

type Counted = { passed: number; failed: number; skipped: number; ok: boolean };
const count = countVitestRun as (report: unknown, exitedOk: boolean) => Counted;

const root = resolve(__dirname, '../..');
const dir = resolve(root, 'tmp', `vitest-report-spec-${randomBytes(4).toString('hex')}`);

/** A real Vitest run of one passing test under a global setup that throws, as when Kafka cannot start. */
function runWithFailingSetup(): { report: unknown; ok: boolean } {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    resolve(dir, 'setup.mjs'),
    `export default function () { throw new Error('broker did not start'); }\n`,
  );
  writeFileSync(
    resolve(dir, 'ok.test.mjs'),
    `import { it, expect } from 'vitest';\nit('passes', () => expect(1).toBe(1));\n`,
  );
  writeFileSync(
    resolve(dir, 'vitest.config.mjs'),
    `export default { test: { root: ${JSON.stringify(dir)}, projects: [{ extends: true, test: { name: 'integration', include: ['ok.test.mjs'], globalSetup: ['./setup.mjs'] } }] } };\n`,
  );
  const reportFile = resolve(dir, 'report.json');
  const result = spawnSync(
    'npx',
    [
      'vitest',
      'run',
      '--config',
      resolve(dir, 'vitest.config.mjs'),
      '--project',
      'integration',
      '--reporter=json',
      `--outputFile.json=${reportFile}`,
    ],
    { cwd: root, encoding: 'utf8', timeout: 60_000 },
  );
  const report: unknown = existsSync(reportFile) ? JSON.parse(readFileSync(reportFile, 'utf8')) : undefined;
  return { report, ok: result.status === 0 };
}

describe('countVitestRun (npm test summary)', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('counts a global setup that failed before any test as a failure', () => {
    const { report, ok } = runWithFailingSetup();
    expect(ok).toBe(false);
    // Vitest still writes a report, with no test failed: the summary used to read `0 failed`.
    expect(report).toMatchObject({ numFailedTests: 0, testResults: [] });
    const counted = count(report, ok);
    expect(counted.ok).toBe(false);
    expect(counted.failed).toBe(1);
  });

  it('counts failed tests and suites that did not load, and a green run as green', () => {
    const report = (failed: number, suites: { status: string; assertionResults: unknown[] }[]) => ({
      numPassedTests: 3,
      numFailedTests: failed,
      numPendingTests: 1,
      numTodoTests: 1,
      testResults: suites,
    });
    expect(count(report(0, [{ status: 'passed', assertionResults: [{}] }]), true)).toEqual({
      passed: 3,
      failed: 0,
      skipped: 2,
      ok: true,
    });
    expect(count(report(2, [{ status: 'failed', assertionResults: [{}] }]), false).failed).toBe(2);
    expect(count(report(0, [{ status: 'failed', assertionResults: [] }]), false).failed).toBe(1);
    expect(count(undefined, false)).toEqual({ passed: 0, failed: 1, skipped: 0, ok: false });
  });
});
