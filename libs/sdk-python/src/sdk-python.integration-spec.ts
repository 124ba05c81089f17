import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The Python SDK's pytest suite runs here, inside the integration run, because that is where the
 * real Kafka and PostgreSQL are up (the global setup sets KAFKA_BROKERS / DATABASE_URL for child
 * processes). scripts/test.mjs adds pytest's own counts (test-results/pytest.json) to its summary.
 */
describe('Python SDK (pytest against the real Kafka and PostgreSQL)', () => {
  it('passes its whole pytest suite', { timeout: 30 * 60_000 }, () => {
    const run = spawnSync('node', [resolve(__dirname, '../run-pytest.mjs')], { stdio: 'inherit' });
    expect(run.status, 'pytest failed: see its output above').toBe(0);
  });
});
