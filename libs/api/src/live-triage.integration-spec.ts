import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { KafkaBus, type Subscription } from '@damon/bus';
import type { IncidentEvent } from '@damon/contracts';
import { createDataSource, createScratchDatabase, type ScratchDatabase } from '@damon/persistence';
import { integrationEnv } from '@damon/testing';
import { createClient, type Client } from 'graphql-ws';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createApiApplication } from './api-application';
import { DEFAULT_API_SETTINGS } from './api-settings';
import { ApiKeyService } from './auth/api-key.service';
import { IncidentFeed } from './services/incident-feed.service';
import { postGraphql } from './testing/graphql-http';
import { seedIncidents } from './testing/seed-incidents';

const RUN = randomBytes(3).toString('hex');
const INCIDENT = `LIVE-${RUN}`;
const ASSIGNEE = `bob-${RUN}`;
const TRIAGER_NAME = `trish-${RUN}`;

interface Change {
  incidentId: string;
  change: string;
  triage: { action: string; verdict: string | null; assigned: boolean | null } | null;
  incident: { id: string; status: string };
}

/** One operator's console: a graphql-ws client with an `incidentUpdated` subscription. */
class Operator {
  readonly received: { change: Change; raw: string; at: number }[] = [];
  private readonly client: Client;
  private waiters: (() => void)[] = [];

  constructor(url: string, key: string) {
    this.client = createClient({
      url,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${key}` },
      retryAttempts: 0,
    });
    this.client.subscribe<{ incidentUpdated: Change }>(
      {
        query: `subscription { incidentUpdated(id: "${INCIDENT}") {
          incidentId change triage { action verdict assigned } incident { id status } } }`,
      },
      {
        next: (result) => {
          if (result.data) {
            this.received.push({
              change: result.data.incidentUpdated,
              raw: JSON.stringify(result),
              at: performance.now(),
            });
          }
          for (const wake of this.waiters.splice(0)) wake();
        },
        error: () => undefined,
        complete: () => undefined,
      },
    );
  }

  /** The `index`-th change received, waiting for it up to `timeoutMs`. */
  async nth(index: number, timeoutMs: number): Promise<{ change: Change; raw: string; at: number }> {
    const deadline = performance.now() + timeoutMs;
    while (this.received.length <= index) {
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`change ${index} not received within ${timeoutMs} ms`);
      await new Promise<void>((wake) => {
        this.waiters.push(wake);
        setTimeout(wake, left);
      });
    }
    return this.received[index];
  }

  async dispose(): Promise<void> {
    await this.client.dispose();
  }
}

describe('live triage across operators (real PostgreSQL and Kafka, two graphql-ws clients)', () => {
  let scratch: ScratchDatabase;
  let dataSource: DataSource;
  let bus: KafkaBus;
  let app: INestApplication;
  let url: string;
  let wsUrl: string;
  let watcher: Subscription;
  const onKafka: IncidentEvent[] = [];
  const keys = { viewer: '', triager: '' };
  const operators: Operator[] = [];

  beforeAll(async () => {
    const env = integrationEnv();
    scratch = await createScratchDatabase(env.databaseUrl, 'api_live_test');
    dataSource = await createDataSource(scratch.url, { poolSize: 8 }).initialize();
    await dataSource.runMigrations();
    bus = new KafkaBus({ brokers: env.kafkaBrokers, clientId: `api-live-test-${RUN}` });
    await bus.ensureTopics(['damon.incidents']);
    watcher = await bus.subscribe({
      group: `api-live-watch-${RUN}`,
      topics: ['damon.incidents'],
      fromBeginning: false,
      handler: (m) => {
        const event = m.value;
        if (event.subject.id === INCIDENT) onKafka.push(event);
        return Promise.resolve();
      },
    });
    await watcher.ready;
    app = await createApiApplication({ dataSource, bus, settings: DEFAULT_API_SETTINGS, logger: false });
    await app.listen(0, '127.0.0.1');
    const port = (app.getHttpServer() as { address(): AddressInfo }).address().port;
    url = `http://127.0.0.1:${port}/graphql`;
    wsUrl = `ws://127.0.0.1:${port}/graphql`;
    const apiKeys = new ApiKeyService(dataSource);
    keys.viewer = (await apiKeys.create('viewer', `vic-${RUN}`)).key;
    keys.triager = (await apiKeys.create('triager', TRIAGER_NAME)).key;
    await seedIncidents(dataSource, [
      {
        id: INCIDENT,
        status: 'open',
        severity: 6,
        announced: true,
        createdAt: new Date('2026-05-01T00:10:00Z'),
        alerts: [
          {
            id: `live-a-${RUN}`,
            stage: 'signals',
            detector: 'cusum',
            subject: { kind: 'run', id: `R-${RUN}` },
            pValue: 0.001,
            at: new Date('2026-05-01T00:05:00Z'),
          },
        ],
      },
    ]);
  });

  afterAll(async () => {
    for (const operator of operators) await operator.dispose();
    await watcher?.stop();
    await app?.close();
    await bus?.close();
    await dataSource?.destroy();
    await scratch?.drop();
  });

  it('shows each triage change to a second operator within 2 s, without names for a viewer', async () => {
    const feed = app.get(IncidentFeed);
    const before = feed.listenerCount;
    const triagerConsole = new Operator(wsUrl, keys.triager);
    const viewerConsole = new Operator(wsUrl, keys.viewer);
    operators.push(triagerConsole, viewerConsole);
    // Readiness, not a fixed sleep: both subscriptions are registered with this instance's feed.
    for (let waited = 0; feed.listenerCount < before + 2; waited += 20) {
      if (waited > 10_000) throw new Error('subscriptions did not register');
      await new Promise((r) => setTimeout(r, 20));
    }

    const steps: { mutation: string; change: string; triage: Change['triage']; status: string }[] = [
      {
        mutation: `acknowledgeIncident(id: "${INCIDENT}") { id }`,
        change: 'TRIAGED',
        triage: { action: 'ACKNOWLEDGED', verdict: null, assigned: null },
        status: 'OPEN',
      },
      {
        mutation: `assignIncident(id: "${INCIDENT}", assignee: "${ASSIGNEE}") { id }`,
        change: 'TRIAGED',
        triage: { action: 'ASSIGNED', verdict: null, assigned: true },
        status: 'OPEN',
      },
      {
        mutation: `setVerdict(id: "${INCIDENT}", verdict: DECEPTIVE, note: "reward hacking") { id }`,
        change: 'TRIAGED',
        triage: { action: 'VERDICT', verdict: 'DECEPTIVE', assigned: null },
        status: 'OPEN',
      },
      {
        mutation: `addComment(id: "${INCIDENT}", body: "looking") { id }`,
        change: 'TRIAGED',
        triage: { action: 'COMMENT', verdict: null, assigned: null },
        status: 'OPEN',
      },
      {
        mutation: `resolveIncident(id: "${INCIDENT}") { id }`,
        change: 'RESOLVED',
        triage: { action: 'RESOLVED', verdict: null, assigned: null },
        status: 'RESOLVED',
      },
      {
        mutation: `reopenIncident(id: "${INCIDENT}") { id }`,
        change: 'UPDATED',
        triage: { action: 'REOPENED', verdict: null, assigned: null },
        status: 'OPEN',
      },
    ];
    for (const [index, step] of steps.entries()) {
      const sent = performance.now();
      const response = await postGraphql(url, `mutation { ${step.mutation} }`, {}, keys.triager);
      expect(response.errors).toBeUndefined();
      for (const operator of [triagerConsole, viewerConsole]) {
        const seen = await operator.nth(index, 2_000);
        expect(seen.change).toEqual({
          incidentId: INCIDENT,
          change: step.change,
          triage: step.triage,
          incident: { id: INCIDENT, status: step.status },
        });
        expect(seen.at - sent).toBeLessThan(2_000);
      }
    }
    for (const { raw } of viewerConsole.received) {
      expect(raw).not.toContain(ASSIGNEE);
      expect(raw).not.toContain(TRIAGER_NAME);
    }
  });

  it('announces them on damon.incidents as version 2 events without names, through the outbox', async () => {
    for (let waited = 0; onKafka.length < 6; waited += 50) {
      if (waited > 10_000) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(onKafka.map((e) => [e.schemaVersion, e.change, 'triage' in e ? e.triage?.action : null])).toEqual([
      [2, 'triaged', 'acknowledged'],
      [2, 'triaged', 'assigned'],
      [2, 'triaged', 'verdict'],
      [2, 'triaged', 'comment'],
      [2, 'resolved', 'resolved'],
      [2, 'updated', 'reopened'],
    ]);
    const raw = JSON.stringify(onKafka);
    expect(raw).not.toContain(ASSIGNEE);
    expect(raw).not.toContain(TRIAGER_NAME);
    const pending: unknown = await dataSource.query(
      `SELECT count(*)::int AS n FROM incident_outbox WHERE incident_id = $1 AND published_at IS NULL`,
      [INCIDENT],
    );
    expect(pending).toEqual([{ n: 0 }]);
    // Ids are stable per change: the timeline entry for triage, the incident version for resolve/reopen.
    expect(onKafka.map((e) => e.eventId.replace(/\d+/g, 'N'))).toEqual(
      [
        `${INCIDENT}:tN:acknowledged`,
        `${INCIDENT}:tN:assigned`,
        `${INCIDENT}:tN:verdict`,
        `${INCIDENT}:tN:comment`,
        `${INCIDENT}:vN:resolved`,
        `${INCIDENT}:vN:updated`,
      ].map((id) => id.replace(/\d+/g, 'N')),
    );
  });
});
