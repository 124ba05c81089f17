import { randomBytes } from 'node:crypto';
import { servers, startPrivateKafka, waitFor, type PrivateServer } from '@damon/monitor-testing';
import { createDataSource, createScratchDatabase, type ScratchDatabase } from '@damon/persistence';
import { startServiceProcess, type ServiceProcess } from '@damon/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const RUN = `kout${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

/** One probe on a fresh connection (a reused keep-alive socket the server closed would fail it). */
async function probe(url: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { headers: { connection: 'close' } });
  return { status: response.status, body: await response.json() };
}

/**
 * A Kafka outage on a private broker (the shared one stays up): the correlator's readiness goes
 * 503 naming its consumer, its liveness stays 200 (a restart would not help), and it is ready
 * again once the broker is back.
 */
describe('health probes through a Kafka outage (private broker, real PostgreSQL)', () => {
  let kafka: PrivateServer;
  let scratch: ScratchDatabase;
  let correlator: ServiceProcess | undefined;

  beforeAll(async () => {
    kafka = startPrivateKafka();
    scratch = await createScratchDatabase(servers().databaseUrl, 'damon_kafka_outage');
    const dataSource = await createDataSource(scratch.url, { poolSize: 1 }).initialize();
    await dataSource.runMigrations();
    await dataSource.destroy();
  });

  afterAll(async () => {
    await correlator?.kill9();
    kafka?.remove();
    await scratch?.drop();
  });

  it('is live but not ready while the broker is down, and ready again after', async () => {
    correlator = startServiceProcess('apps/correlator/src/main.ts', {
      KAFKA_BROKERS: kafka.url,
      DATABASE_URL: scratch.url,
      CORRELATOR_GROUP: `${RUN}-correlator`,
      PORT: '0',
      KAFKA_SESSION_TIMEOUT_MS: '6000',
    });
    const base = `http://127.0.0.1:${await correlator.waitForListening(120_000)}`;

    await waitFor(async () => (await probe(`${base}/healthz/ready`)).status === 200, 30_000, 'ready');
    const ready = await probe(`${base}/healthz`);
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({
      ok: true,
      checks: { database: 'ok', consumers: 'ok' },
      details: { consumers: { [`${RUN}-correlator`]: { joined: true, assignedPartitions: 6 } } },
    });

    kafka.stop();
    const stoppedAt = Date.now();
    await waitFor(
      async () => (await probe(`${base}/healthz/ready`)).status === 503,
      90_000,
      'not ready',
      500,
    );
    console.log(`[kafka outage] not ready ${Date.now() - stoppedAt} ms after the broker stopped`);
    const down = await probe(`${base}/healthz`);
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ ok: false, checks: { database: 'ok' } });
    expect((down.body as { checks: { consumers: string } }).checks.consumers).toContain(`${RUN}-correlator`);
    expect((await probe(`${base}/healthz/live`)).status).toBe(200);

    kafka.start();
    await waitFor(
      async () => (await probe(`${base}/healthz/ready`)).status === 200,
      120_000,
      'ready again',
      500,
    );
    expect(correlator.child.exitCode).toBeNull();
    expect(await correlator.stop()).toBe(0);
  });
});
