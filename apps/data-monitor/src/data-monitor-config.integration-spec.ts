import { createScratchDatabase, type ScratchDatabase } from '@damon/persistence';
import { integrationEnv, startServiceProcess } from '@damon/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const MAIN = 'apps/data-monitor/src/main.ts';

/** Exit code and output of a monitor process that must refuse to start. */
async function refusal(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = startServiceProcess(MAIN, { LOG_LEVEL: 'info', PORT: '0', ...env });
  const code = await new Promise<number | null>((done) => {
    const timer = setTimeout(() => done(-1), 90_000);
    child.child.once('exit', (exit) => {
      clearTimeout(timer);
      done(exit);
    });
  });
  await child.kill9();
  return { code, output: child.output() };
}

describe('data monitor refuses a misconfiguration at start (real PostgreSQL)', () => {
  const { kafkaBrokers, databaseUrl } = integrationEnv();
  let unmigrated: ScratchDatabase;

  beforeAll(async () => {
    unmigrated = await createScratchDatabase(databaseUrl, 'damon_unmigrated');
  });
  afterAll(async () => {
    await unmigrated?.drop();
  });

  it('without KAFKA_BROKERS (it would consume nothing on an in-process bus)', async () => {
    const { code, output } = await refusal({ KAFKA_BROKERS: '', DATABASE_URL: databaseUrl });
    expect(code).toBe(1);
    expect(output).toContain('KAFKA_BROKERS: is required but not set');
    expect(output).not.toContain('"msg":"listening"');
  });

  it('with MONITOR_FUSION, which the data monitor does not read', async () => {
    const { code, output } = await refusal({
      KAFKA_BROKERS: kafkaBrokers.join(','),
      DATABASE_URL: databaseUrl,
      MONITOR_FUSION: 'min-p-sidak',
    });
    expect(code).toBe(1);
    expect(output).toContain('MONITOR_FUSION: is not read by the data-monitor');
  });

  it('on a database with pending migrations', async () => {
    const { code, output } = await refusal({
      KAFKA_BROKERS: kafkaBrokers.join(','),
      DATABASE_URL: unmigrated.url,
    });
    expect(code).toBe(1);
    expect(output).toMatch(/database schema is behind: .* not applied; run `npm run migrate` first/);
    expect(output).not.toContain('"msg":"listening"');
  });
});
