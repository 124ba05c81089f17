/**
 * How one Vitest run counts in `npm test`'s summary line, from its JSON report (or its absence) and
 * its exit status. A run that exits non-zero with no failing test of its own (a global setup that
 * threw, a suite that did not load, a crash before the report) still counts as one failure, so the
 * summary can never read `0 failed` for a red run.
 * @param {{ numPassedTests: number, numFailedTests: number, numPendingTests: number, numTodoTests: number,
 *   testResults: { status: string, assertionResults: unknown[] }[] } | undefined} report
 * @param {boolean} exitedOk
 * @returns {{ passed: number, failed: number, skipped: number, ok: boolean }}
 */
export function countVitestRun(report, exitedOk) {
  if (!report) return { passed: 0, failed: 1, skipped: 0, ok: false };
  // A suite that failed to load has no failing test of its own: count it.
  const brokenSuites = report.testResults.filter(
    (s) => s.status === 'failed' && s.assertionResults.length === 0,
  ).length;
  let failed = report.numFailedTests + brokenSuites;
  if (!exitedOk && failed === 0) failed = 1;
  return {
    passed: report.numPassedTests,
    failed,
    skipped: report.numPendingTests + report.numTodoTests,
    ok: exitedOk && failed === 0,
  };
}
