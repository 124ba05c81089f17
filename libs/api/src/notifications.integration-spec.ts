import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { createTestDatabase, kafkaBus, rows, servers, type TestDatabase } from '@damon/monitor-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiApplication } from './api-application';
import { DEFAULT_API_SETTINGS } from './api-settings';
import { ApiKeyService } from './auth/api-key.service';
import { postGraphql, type GraphqlResponse } from './testing/graphql-http';
import { seedIncidents } from './testing/seed-incidents';

const RUN = randomBytes(3).toString('hex');
const RECEIVER_FIELDS = `id name kind url hasSecret`;
const CREATE_RECEIVER = `mutation ($input: CreateNotificationReceiverInput!) { createNotificationReceiver(input: $input) { ${RECEIVER_FIELDS} } }`;
const UPDATE_RECEIVER = `mutation ($id: ID!, $input: UpdateNotificationReceiverInput!) { updateNotificationReceiver(id: $id, input: $input) { ${RECEIVER_FIELDS} } }`;
const CREATE_ROUTE = `mutation ($input: CreateNotificationRouteInput!) { createNotificationRoute(input: $input) { id name receiverName minSeverity stages subjects { kind id } repeatIntervalSeconds sendResolved } }`;
const DELIVERIES = `query ($incidentId: ID) { notificationDeliveries(incidentId: $incidentId) { idempotencyKey dedupKey incidentId change receiverName status attempts lastError } }`;

describe('notification receivers and routes through the API (real PostgreSQL)', () => {
  const bus = kafkaBus(servers().brokers);
  let db: TestDatabase;
  let app: INestApplication;
  let url: string;
  const keys = { viewer: '', triager: '', admin: '' };
  const gql = <T = Record<string, unknown>>(
    query: string,
    variables: Record<string, unknown>,
    key = keys.admin,
  ): Promise<GraphqlResponse<T>> => postGraphql<T>(url, query, variables, key);

  beforeAll(async () => {
    db = await createTestDatabase(servers().databaseUrl);
    app = await createApiApplication({
      dataSource: db.dataSource,
      bus,
      settings: { ...DEFAULT_API_SETTINGS, countCacheMs: 0 },
      logger: false,
    });
    await app.listen(0, '127.0.0.1');
    const port = (app.getHttpServer() as { address(): AddressInfo }).address().port;
    url = `http://127.0.0.1:${port}/graphql`;
    const apiKeys = new ApiKeyService(db.dataSource);
    keys.viewer = (await apiKeys.create('viewer', 'vera')).key;
    keys.triager = (await apiKeys.create('triager', 'tom')).key;
    keys.admin = (await apiKeys.create('admin', 'ada')).key;
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await bus.close();
    await db?.drop();
  });

  it('validates receivers naming the field, needs admin, never returns nor audits the secret', async () => {
    const good = {
      name: `hook-${RUN}`,
      kind: 'WEBHOOK',
      url: 'https://example.test/hook',
      secret: 's'.repeat(24),
    };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...good, url: 'not a url' }, 'input.url'],
      [{ ...good, url: 'ftp://example.test/x' }, 'input.url'],
      [{ ...good, url: 'https://user:pw@example.test/x' }, 'input.url'],
      [{ ...good, secret: null }, 'input.secret'],
      [{ ...good, secret: 'short' }, 'input.secret'],
      [{ ...good, name: '' }, 'input.name'],
    ];
    for (const [input, field] of cases) {
      const response = await gql(CREATE_RECEIVER, { input });
      expect(response.errors?.[0]?.extensions, JSON.stringify(input)).toMatchObject({
        code: 'BAD_USER_INPUT',
        field,
      });
    }
    expect(await rows(db.dataSource, `SELECT id FROM notification_receivers`)).toHaveLength(0);
    for (const key of [keys.viewer, keys.triager]) {
      const refused = await gql(CREATE_RECEIVER, { input: good }, key);
      expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }

    const created = await gql<{ createNotificationReceiver: Record<string, unknown> }>(CREATE_RECEIVER, {
      input: good,
    });
    expect(created.errors).toBeUndefined();
    expect(created.data?.createNotificationReceiver).toMatchObject({
      name: good.name,
      kind: 'WEBHOOK',
      url: good.url,
      hasSecret: true,
    });
    const id = created.data!.createNotificationReceiver.id as string;
    // The secret is not a field of the type at all.
    const asked = await gql(`{ notificationReceivers { id secret } }`, {});
    expect(asked.errors?.[0]?.message).toMatch(/secret/);
    const taken = await gql(CREATE_RECEIVER, { input: good });
    expect(taken.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.name' });
    const badUpdate = await gql(UPDATE_RECEIVER, { id, input: { url: 'javascript:alert(1)' } });
    expect(badUpdate.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.url' });
    const updated = await gql(UPDATE_RECEIVER, { id, input: { secret: 't'.repeat(20) } });
    expect(updated.errors).toBeUndefined();
    const [stored] = await rows<{ secret: string }>(
      db.dataSource,
      `SELECT secret FROM notification_receivers WHERE id = $1`,
      [id],
    );
    expect(stored.secret).toBe('t'.repeat(20));

    // A Slack receiver: its URL's path (the credential) is not shown.
    const slack = await gql<{ createNotificationReceiver: Record<string, unknown> }>(CREATE_RECEIVER, {
      input: { name: `slack-${RUN}`, kind: 'SLACK', url: 'https://hooks.slack.test/services/T0/B0/XYZ' },
    });
    expect(slack.data?.createNotificationReceiver).toMatchObject({
      url: 'https://hooks.slack.test/…',
      hasSecret: false,
    });

    const audit = await rows<{ action: string; actor: string; details: unknown }>(
      db.dataSource,
      `SELECT action, actor, details FROM api_audit_log WHERE action LIKE '%NotificationReceiver' ORDER BY seq`,
    );
    expect(audit.map((a) => [a.action, a.actor])).toEqual([
      ['createNotificationReceiver', 'ada'],
      ['updateNotificationReceiver', 'ada'],
      ['createNotificationReceiver', 'ada'],
    ]);
    const details = JSON.stringify(audit.map((a) => a.details));
    expect(details).not.toContain('s'.repeat(24));
    expect(details).not.toContain('t'.repeat(20));
    expect(details).not.toContain('XYZ');
  });

  it('validates routes, and a resolve through the API queues its notification in the same transaction', async () => {
    const receiver = await gql<{ createNotificationReceiver: { id: string } }>(CREATE_RECEIVER, {
      input: {
        name: `oncall-${RUN}`,
        kind: 'WEBHOOK',
        url: 'http://127.0.0.1:9/unreachable',
        secret: 'x'.repeat(32),
      },
    });
    const receiverId = receiver.data!.createNotificationReceiver.id;
    const route = {
      name: `route-${RUN}`,
      receiverId,
      minSeverity: 1,
      subjects: [{ kind: 'MODEL', id: `m-${RUN}` }],
    };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...route, receiverId: 'nope' }, 'input.receiverId'],
      [{ ...route, receiverId: '00000000-0000-4000-8000-000000000000' }, 'input.receiverId'],
      [{ ...route, minSeverity: -1 }, 'input.minSeverity'],
      [{ ...route, repeatIntervalSeconds: 0 }, 'input.repeatIntervalSeconds'],
      [{ ...route, subjects: [{ kind: 'MODEL', id: '' }] }, 'input.subjects.0.id'],
    ];
    for (const [input, field] of cases) {
      const response = await gql(CREATE_ROUTE, { input });
      expect(response.errors?.[0]?.extensions, JSON.stringify(input)).toMatchObject({
        code: 'BAD_USER_INPUT',
        field,
      });
    }
    const created = await gql(CREATE_ROUTE, { input: { ...route, stages: ['REPRESENTATIONS'] } });
    expect(created.errors).toBeUndefined();
    expect(created.data?.createNotificationRoute).toMatchObject({
      receiverName: `oncall-${RUN}`,
      minSeverity: 1,
      stages: ['REPRESENTATIONS'],
      subjects: [{ kind: 'MODEL', id: `m-${RUN}` }],
      repeatIntervalSeconds: null,
      sendResolved: true,
    });

    const at = new Date();
    const alert = (id: string, subject: string) => ({
      id,
      stage: 'representations' as const,
      detector: 'mahalanobis',
      subject: { kind: 'model' as const, id: subject },
      pValue: 1e-5,
      at,
    });
    await seedIncidents(db.dataSource, [
      {
        id: `inc-a-${RUN}`,
        status: 'open',
        severity: 3,
        createdAt: at,
        alerts: [alert(`al-a-${RUN}`, `m-${RUN}`)],
      },
      {
        id: `inc-b-${RUN}`,
        status: 'open',
        severity: 3,
        createdAt: at,
        alerts: [alert(`al-b-${RUN}`, `other-${RUN}`)],
      },
      {
        id: `inc-c-${RUN}`,
        status: 'open',
        severity: 0.5,
        createdAt: at,
        alerts: [alert(`al-c-${RUN}`, `m-${RUN}`)],
      },
    ]);
    const RESOLVE = `mutation ($id: ID!) { resolveIncident(id: $id) { id status } }`;
    for (const id of [`inc-a-${RUN}`, `inc-b-${RUN}`, `inc-c-${RUN}`]) {
      const resolved = await gql(RESOLVE, { id }, keys.triager);
      expect(resolved.errors).toBeUndefined();
    }

    const deliveries = await gql<{ notificationDeliveries: Record<string, unknown>[] }>(
      DELIVERIES,
      {},
      keys.triager,
    );
    expect(deliveries.errors).toBeUndefined();
    // Only the incident on the route's subject with enough severity; nobody sends in this test.
    expect(deliveries.data?.notificationDeliveries).toEqual([
      {
        idempotencyKey: `inc-a-${RUN}:v2:resolved`,
        dedupKey: `damon:inc-a-${RUN}`,
        incidentId: `inc-a-${RUN}`,
        change: 'resolved',
        receiverName: `oncall-${RUN}`,
        status: 'PENDING',
        attempts: 0,
        lastError: null,
      },
    ]);
    const viewer = await gql(DELIVERIES, {}, keys.viewer);
    expect(viewer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
