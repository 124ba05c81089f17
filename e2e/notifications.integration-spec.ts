import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KafkaBus, SILENT_LOGGER } from '@damon/bus';
import { databaseUrlVar, kafkaBrokersVar, loadConfig } from '@damon/config';
import {
  changeIncidentStatus,
  createDataSource,
  createScratchDatabase,
  enqueueIncidentEvents,
  lockFusion,
  type NotificationPayload,
  type ScratchDatabase,
} from '@damon/persistence';
import { pinGroupAtEnds, stageAlertAt, startServiceProcess, type ServiceProcess } from '@damon/testing';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

const env = loadConfig(
  z.object({
    DATABASE_URL: databaseUrlVar({ required: true }),
    KAFKA_BROKERS: kafkaBrokersVar({ required: true }),
  }),
);
const RUN = `notif${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const TIMEOUT_MS = 3_000;

interface Received {
  key: string;
  dedupKey: string;
  signatureValid: boolean;
  body: NotificationPayload;
  status: number;
  /** The 2xx response reached a live connection (the sender could read it). */
  acknowledged: boolean;
}

interface Receiver {
  url: string;
  requests: Received[];
  /** Idempotency keys answered 2xx, once per answer that reached the sender. */
  acknowledgedKeys(): string[];
  close(): Promise<void>;
}

/** A local webhook receiver: verifies each signature itself, answers as `behave` says. */
async function startReceiver(
  secret: string,
  behave: (key: string, nth: number) => { status: number; delayMs?: number; onRequest?: () => void },
): Promise<Receiver> {
  const requests: Received[] = [];
  const seen = new Map<string, number>();
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const key = String(req.headers['idempotency-key']);
      const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`);
      const given = Buffer.from(String(req.headers['x-damon-signature'] ?? ''));
      const nth = (seen.get(key) ?? 0) + 1;
      seen.set(key, nth);
      const plan = behave(key, nth);
      const record: Received = {
        key,
        dedupKey: String(req.headers['x-damon-dedup-key']),
        signatureValid: given.length === expected.length && timingSafeEqual(given, expected),
        body: JSON.parse(raw.toString('utf8')) as NotificationPayload,
        status: plan.status,
        acknowledged: false,
      };
      requests.push(record);
      plan.onRequest?.();
      setTimeout(() => {
        if (req.socket.destroyed) return;
        res.on('finish', () => {
          if (plan.status < 300 && !req.socket.destroyed) record.acknowledged = true;
        });
        res.writeHead(plan.status, { 'content-type': 'text/plain' }).end(plan.status < 300 ? 'ok' : 'boom');
      }, plan.delayMs ?? 0);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    acknowledgedKeys: () => requests.filter((r) => r.acknowledged).map((r) => r.key),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function startCorrelator(databaseUrl: string): ServiceProcess {
  return startServiceProcess('apps/correlator/src/main.ts', {
    KAFKA_BROKERS: env.KAFKA_BROKERS.join(','),
    DATABASE_URL: databaseUrl,
    CORRELATOR_GROUP: `${RUN}-correlator`,
    GROUP_WAIT_SECONDS: '0',
    PORT: '0',
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    NOTIFICATION_RETRY_BASE_MS: '100',
    NOTIFICATION_TIMEOUT_MS: String(TIMEOUT_MS),
  });
}

async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  proc?: ServiceProcess,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline || (proc && proc.child.exitCode !== null))
      throw new Error(`timed out waiting for ${what}${proc ? `:\n${proc.output().slice(-4000)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function rows<T>(ds: DataSource, sql: string, params: unknown[] = []): Promise<T[]> {
  const result: unknown = await ds.query(sql, params);
  return result as T[];
}

describe('notifications: webhook receivers through the correlator process', () => {
  let scratch: ScratchDatabase;
  let dataSource: DataSource;
  let bus: KafkaBus;
  const children: ServiceProcess[] = [];
  const receivers: Receiver[] = [];

  beforeAll(async () => {
    scratch = await createScratchDatabase(env.DATABASE_URL, 'damon_test_notifications');
    dataSource = await createDataSource(scratch.url, { poolSize: 2 }).initialize();
    await dataSource.runMigrations();
    bus = new KafkaBus({ brokers: env.KAFKA_BROKERS, clientId: 'notifications-it', logger: SILENT_LOGGER });
    await bus.ensureTopics(['damon.alerts', 'damon.lineage', 'damon.incidents']);
    // Shared topics: the correlator's group starts at their current end.
    await pinGroupAtEnds(env.KAFKA_BROKERS, `${RUN}-correlator`);
  });

  afterAll(async () => {
    for (const c of children) await c.kill9();
    for (const r of receivers) await r.close();
    await bus?.close();
    await dataSource?.destroy();
    await scratch?.drop();
  });

  /** A webhook receiver and a route sending it the incidents on `model/<subjectId>`. */
  async function register(
    name: string,
    receiver: Receiver,
    secret: string,
    subjectId: string,
  ): Promise<void> {
    const [row] = await rows<{ id: string }>(
      dataSource,
      `INSERT INTO notification_receivers (name, kind, url, secret) VALUES ($1, 'webhook', $2, $3) RETURNING id`,
      [name, receiver.url, secret],
    );
    await dataSource.query(
      `INSERT INTO notification_routes (name, receiver_id, min_severity, stages, subjects) VALUES ($1, $2, 0, '[]', $3::jsonb)`,
      [`${name}-route`, row.id, JSON.stringify([{ kind: 'model', id: subjectId }])],
    );
  }

  async function incidentOf(subjectId: string): Promise<string | undefined> {
    const [row] = await rows<{ incident_id: string }>(
      dataSource,
      `SELECT incident_id FROM incident_subjects WHERE subject_kind = 'model' AND subject_id = $1`,
      [subjectId],
    );
    return row?.incident_id;
  }

  /** The incident changes that notify, from the incident outbox (written with the change). */
  async function changesOf(incidentId: string): Promise<string[]> {
    const list = await rows<{ event_id: string }>(
      dataSource,
      `SELECT event_id FROM incident_outbox WHERE incident_id = $1 AND payload->>'change' <> 'triaged' ORDER BY seq`,
      [incidentId],
    );
    return list.map((r) => r.event_id);
  }

  it('sends one signed notification per incident change, retries a failing receiver, survives kill -9 mid-delivery', async () => {
    const subjectA = `${RUN}-model-a`;
    const subjectC = `${RUN}-model-c`;
    const secretA = randomBytes(16).toString('hex');
    const secretB = randomBytes(16).toString('hex');
    const secretC = randomBytes(16).toString('hex');
    const good = await startReceiver(secretA, () => ({ status: 200 }));
    // Fails the first three requests of every notification, then recovers.
    const flaky = await startReceiver(secretB, (_key, nth) => ({ status: nth <= 3 ? 500 : 204 }));
    let killed: Promise<void> | undefined;
    const started: { first?: ServiceProcess } = {};
    // Holds the first request of every notification longer than it takes to kill the sender.
    const slow = await startReceiver(secretC, (_key, nth) =>
      nth === 1
        ? {
            status: 200,
            delayMs: 2_000,
            onRequest: () => {
              killed ??= started.first?.kill9();
            },
          }
        : { status: 200 },
    );
    receivers.push(good, flaky, slow);
    await register(`${RUN}-good`, good, secretA, subjectA);
    await register(`${RUN}-flaky`, flaky, secretB, subjectA);

    const first = startCorrelator(scratch.url);
    started.first = first;
    children.push(first);
    const t0 = Date.now();
    const alert = (id: string, subjectId: string, at: number) =>
      stageAlertAt(`${RUN}-${id}`, { kind: 'model', id: subjectId }, at, {
        detector: 'mahalanobis',
        score: 5,
        pValue: 1e-4,
      });

    // opened, then updated by a second alert, then resolved (as the API's resolve writes it).
    await bus.publishMany('damon.alerts', [alert('a1', subjectA, t0)]);
    await until('the incident to be opened and notified', () => good.requests.length >= 1, 90_000, first);
    await bus.publishMany('damon.alerts', [alert('a2', subjectA, t0 + 1_000)]);
    await until('the update', () => good.requests.length >= 2, 30_000, first);
    const incidentA = (await incidentOf(subjectA))!;
    await dataSource.transaction(async (manager) => {
      await lockFusion(manager);
      expect(await changeIncidentStatus(manager, incidentA, 'open', 'resolved', new Date())).toEqual({
        announced: true,
      });
      await enqueueIncidentEvents(manager, [{ incidentId: incidentA, change: 'resolved' }], new Date());
    });
    const changesA = await changesOf(incidentA);
    expect(changesA.map((k) => k.split(':').pop())).toEqual(['opened', 'updated', 'resolved']);
    await until(
      'both receivers to acknowledge every change',
      () => good.acknowledgedKeys().length >= 3 && flaky.acknowledgedKeys().length >= 3,
      30_000,
      first,
    );

    // Exactly one signed notification per change, in order, one dedup key for the incident.
    expect(good.requests.map((r) => r.key)).toEqual(changesA);
    expect(good.acknowledgedKeys()).toEqual(changesA);
    expect(good.requests.every((r) => r.signatureValid)).toBe(true);
    expect(new Set(good.requests.map((r) => r.dedupKey))).toEqual(new Set([`damon:${incidentA}`]));
    expect(good.requests.map((r) => [r.body.idempotencyKey, r.body.dedupKey, r.body.incident.id])).toEqual(
      changesA.map((k) => [k, `damon:${incidentA}`, incidentA]),
    );
    expect(good.requests.map((r) => r.body.status)).toEqual(['firing', 'firing', 'resolved']);
    expect(flaky.requests.every((r) => r.signatureValid)).toBe(true);

    // The flaky receiver: three 500s, then one 2xx, per change; acknowledged once each.
    expect(flaky.acknowledgedKeys()).toEqual(changesA);
    for (const key of changesA)
      expect(flaky.requests.filter((r) => r.key === key).map((r) => r.status)).toEqual([500, 500, 500, 204]);
    const flakyRows = await rows<{ status: string; attempts: number; last_error: string | null }>(
      dataSource,
      `SELECT o.status, o.attempts, o.last_error FROM notification_outbox o JOIN notification_receivers r ON r.id = o.receiver_id
       WHERE r.name = $1 ORDER BY o.seq`,
      [`${RUN}-flaky`],
    );
    expect(flakyRows.map((r) => [r.status, r.attempts])).toEqual(changesA.map(() => ['delivered', 4]));
    expect(flakyRows[0].last_error).toMatch(/HTTP 500/);

    // kill -9 while the slow receiver holds the first request of a new incident's notification.
    await register(`${RUN}-slow`, slow, secretC, subjectC);
    await bus.publishMany('damon.alerts', [alert('c1', subjectC, t0 + 2_000)]);
    await until('the slow receiver to be called', () => killed !== undefined, 60_000, first);
    await killed;
    expect(slow.acknowledgedKeys()).toEqual([]);
    const second = startCorrelator(scratch.url);
    children.push(second);
    await until(
      'the notification to be delivered after the restart',
      () => slow.acknowledgedKeys().length >= 1,
      90_000,
      second,
    );
    const incidentC = (await incidentOf(subjectC))!;
    const changesC = await changesOf(incidentC);
    expect(changesC).toHaveLength(1);
    // Give a duplicate every chance to show up.
    await new Promise((r) => setTimeout(r, TIMEOUT_MS + 2_000));
    expect(slow.acknowledgedKeys()).toEqual(changesC);
    expect(slow.requests.map((r) => r.key)).toEqual([changesC[0], changesC[0]]);
    expect(slow.requests.every((r) => r.signatureValid)).toBe(true);
    // Nothing sent again to the others after the restart.
    expect(good.requests).toHaveLength(3);
    expect(flaky.requests).toHaveLength(12);
    const states = await rows<{ status: string; n: number }>(
      dataSource,
      `SELECT status, count(*)::int AS n FROM notification_outbox GROUP BY status`,
    );
    expect(states).toEqual([{ status: 'delivered', n: 7 }]);

    // The correlator's /metrics count them.
    const port = await second.waitForListening();
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/damon_notifications\{status="delivered"\} 7/);
    expect(metrics).toMatch(/damon_notification_failed_attempts 10/);
    expect(await second.stop()).toBe(0);
  }, 300_000);
});
