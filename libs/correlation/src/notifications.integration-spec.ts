import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryBus, SILENT_LOGGER } from '@damon/bus';
import { databaseUrlVar, loadConfig } from '@damon/config';
import type { StageAlert } from '@damon/contracts';
import {
  changeIncidentStatus,
  createDataSource,
  createScratchDatabase,
  enqueueIncidentEvents,
  insertSilence,
  lockFusion,
  type NotificationPayload,
  type ScratchDatabase,
} from '@damon/persistence';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CorrelationEngine } from './correlation-engine';
import type { CorrelationSettings } from './correlation-settings';
import { CorrelationStore } from './correlation-store';
import { CorrelationService } from './correlation.service';
import { IncidentOutboxPublisher } from './incident-outbox.publisher';
import { DEFAULT_NOTIFICATION_SETTINGS } from './notification-settings';
import { NotificationSender } from './notification.sender';

const env = loadConfig(z.object({ DATABASE_URL: databaseUrlVar({ required: true }) }));
const RUN = `nt${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

interface Hit {
  path: string;
  key: string;
  body: Record<string, unknown>;
}

function alert(id: string, subjectId: string, at: number): StageAlert {
  return {
    eventId: `${RUN}-${id}-ev`,
    schemaVersion: 1,
    occurredAt: new Date(at).toISOString(),
    subject: { kind: 'model', id: subjectId },
    alertId: `${RUN}-${id}`,
    stage: 'representations',
    detector: 'mahalanobis',
    score: 4,
    pValue: 1e-4,
    alpha: 0.01,
    evidence: {},
    window: { from: new Date(at - 60_000).toISOString(), to: new Date(at).toISOString() },
    inputEventIds: [`${RUN}-${id}-in`],
  };
}

describe('notifications from correlation: Slack bodies, repeats, resolved, silences (real PostgreSQL)', () => {
  let scratch: ScratchDatabase;
  let dataSource: DataSource;
  let server: Server;
  let base: string;
  const hits: Hit[] = [];
  const bus = new MemoryBus({ logger: SILENT_LOGGER });

  beforeAll(async () => {
    scratch = await createScratchDatabase(env.DATABASE_URL, 'damon_test_notify');
    dataSource = await createDataSource(scratch.url, { poolSize: 3 }).initialize();
    await dataSource.runMigrations();
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        hits.push({
          path: req.url ?? '',
          key: String(req.headers['idempotency-key']),
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
        });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await bus.close();
    await dataSource?.destroy();
    await scratch?.drop();
  });

  async function select<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    const result: unknown = await dataSource.query(sql, params);
    return result as T[];
  }

  it('sends Slack text and webhook JSON, repeats open incidents, honours sendResolved and silences', async () => {
    const subject = `${RUN}-model`;
    const [slack] = await select<{ id: string }>(
      `INSERT INTO notification_receivers (name, kind, url) VALUES ('chat', 'slack', $1) RETURNING id`,
      [`${base}/slack`],
    );
    const [hook] = await select<{ id: string }>(
      `INSERT INTO notification_receivers (name, kind, url, secret) VALUES ('hook', 'webhook', $1, 'a-secret-of-16-chars') RETURNING id`,
      [`${base}/hook`],
    );
    await dataSource.query(
      `INSERT INTO notification_routes (name, receiver_id, send_resolved) VALUES ('chat-route', $1, false)`,
      [slack.id],
    );
    await dataSource.query(
      `INSERT INTO notification_routes (name, receiver_id, stages, repeat_interval_seconds) VALUES ('hook-route', $1, '["representations"]', 1)`,
      [hook.id],
    );
    // A route no incident here matches: never notified.
    await dataSource.query(
      `INSERT INTO notification_routes (name, receiver_id, min_severity) VALUES ('loud-only', $1, 1e9)`,
      [slack.id],
    );

    const settings: CorrelationSettings = { hops: 3, windowMs: 3_600_000, groupWaitMs: 0, group: `${RUN}-g` };
    const service = new CorrelationService(
      dataSource,
      settings,
      { now: () => new Date() },
      new IncidentOutboxPublisher(dataSource, bus),
      new CorrelationEngine(settings),
      new CorrelationStore(),
    );
    const sender = new NotificationSender(dataSource, {
      ...DEFAULT_NOTIFICATION_SETTINGS,
      baseDelayMs: 50,
      repeatCheckIntervalMs: 0,
    });

    await service.handleBatch([{ topic: 'damon.alerts', value: alert('a1', subject, Date.now()) }]);
    const [incidentId] = await service.announceDue();
    expect(incidentId).toBeDefined();
    await sender.tick();
    const opened = `${incidentId}:v2:opened`;
    expect(hits.map((h) => [h.path, h.key]).sort()).toEqual([
      ['/hook', opened],
      ['/slack', opened],
    ]);
    const text = hits.find((h) => h.path === '/slack')!.body;
    expect(Object.keys(text)).toEqual(['text']);
    expect(text.text).toContain(incidentId);
    expect(text.text).toContain('OPENED');
    const hookBody = hits.find((h) => h.path === '/hook')!.body as unknown as NotificationPayload;
    expect(hookBody).toMatchObject({
      status: 'firing',
      change: 'opened',
      repeat: false,
      dedupKey: `damon:${incidentId}`,
    });

    // Still open after the hook route's repeat interval: one repeat to the hook (the chat route has none).
    await new Promise((r) => setTimeout(r, 1_100));
    await sender.tick();
    await sender.tick();
    const repeats = hits.slice(2);
    expect(repeats.map((h) => [h.path, h.key])).toEqual([['/hook', `${incidentId}:v2:repeat:1`]]);
    expect(repeats[0].body).toMatchObject({
      repeat: true,
      status: 'firing',
      dedupKey: `damon:${incidentId}`,
    });

    // A silence muting every alert of the incident: its resolve is recorded as silenced, never sent.
    await insertSilence(dataSource, {
      subjectId: subject,
      startsAt: new Date(Date.now() - 3_600_000),
      endsAt: new Date(Date.now() + 3_600_000),
      author: 'test',
      comment: 'maintenance',
    });
    await dataSource.transaction(async (manager) => {
      await lockFusion(manager);
      await changeIncidentStatus(manager, incidentId, 'open', 'resolved', new Date());
      await enqueueIncidentEvents(manager, [{ incidentId, change: 'resolved' }], new Date());
    });
    await sender.tick();
    expect(hits).toHaveLength(3);
    const rows = await select<{ name: string; change: string; status: string }>(
      `SELECT r.name, o.change, o.status FROM notification_outbox o JOIN notification_receivers r ON r.id = o.receiver_id ORDER BY o.seq`,
    );
    // The chat route does not want resolves; the hook's resolve is silenced.
    expect(rows).toEqual([
      { name: 'chat', change: 'opened', status: 'delivered' },
      { name: 'hook', change: 'opened', status: 'delivered' },
      { name: 'hook', change: 'repeat', status: 'delivered' },
      { name: 'hook', change: 'resolved', status: 'silenced' },
    ]);
    // Resolved: no more repeats.
    await new Promise((r) => setTimeout(r, 1_100));
    await sender.tick();
    expect(hits).toHaveLength(3);
  }, 60_000);
});
