import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { createDataSource, createScratchDatabase, type ScratchDatabase } from '@damon/persistence';
import { integrationEnv, startServiceProcess } from '@damon/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const RUN = `clog${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

/** A port free right now (the correlator at LOG_LEVEL=warn does not log the one it got for PORT=0). */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Starts the correlator at `level`, waits until it is ready, stops it with SIGTERM; its output as records. */
async function runCorrelator(
  level: string,
  databaseUrl: string,
): Promise<{ code: number | null; lines: string[]; records: Record<string, unknown>[] }> {
  const port = await freePort();
  const correlator = startServiceProcess('apps/correlator/src/main.ts', {
    KAFKA_BROKERS: integrationEnv().kafkaBrokers.join(','),
    DATABASE_URL: databaseUrl,
    CORRELATOR_GROUP: `${RUN}-${level}`,
    PORT: String(port),
    LOG_LEVEL: level,
  });
  let code: number | null;
  try {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const status = await fetch(`http://127.0.0.1:${port}/healthz/ready`, {
        headers: { connection: 'close' },
      })
        .then((r) => r.status)
        .catch(() => 0);
      if (status === 200) break;
      if (correlator.child.exitCode !== null || Date.now() > deadline)
        throw new Error(`correlator not ready:\n${correlator.output()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    code = await correlator.stop();
  }
  const lines = correlator
    .output()
    .split('\n')
    .filter((l) => l.trim() !== '');
  return { code, lines, records: lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('correlator logs (real Kafka and PostgreSQL)', () => {
  let scratch: ScratchDatabase;

  beforeAll(async () => {
    scratch = await createScratchDatabase(integrationEnv().databaseUrl, 'damon_correlator_logs');
    const dataSource = await createDataSource(scratch.url, { poolSize: 1 }).initialize();
    await dataSource.runMigrations();
    await dataSource.destroy();
  });
  afterAll(async () => {
    await scratch?.drop();
  });

  it('at LOG_LEVEL=warn prints no info line from start to graceful stop', async () => {
    const { code, lines, records } = await runCorrelator('warn', scratch.url);
    expect(code).toBe(0);
    expect(records.filter((r) => !['warn', 'error', 'fatal'].includes(r.level as string))).toEqual([]);
    expect(lines.join('\n')).not.toContain('"msg":"listening"');
  });

  it("at LOG_LEVEL=info prints JSON lines only, Nest's own and the service's", async () => {
    const { code, records } = await runCorrelator('info', scratch.url);
    expect(code).toBe(0);
    expect(records).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ level: 'info', context: 'correlator', msg: 'listening' }),
        expect.objectContaining({ level: 'info', context: 'NestApplication' }),
        expect.objectContaining({ level: 'info', context: 'correlator', msg: 'stopped' }),
      ]),
    );
    for (const r of records) expect(typeof r.time).toBe('string');
  });
});
