import { randomBytes } from 'node:crypto';
import { KafkaBus, SILENT_LOGGER, type Subscription } from '@damon/bus';
import { databaseUrlVar, kafkaBrokersVar, loadConfig } from '@damon/config';
import type { IncidentEvent, LineageEdge, StageAlert } from '@damon/contracts';
import { createDataSource, createScratchDatabase, type ScratchDatabase } from '@damon/persistence';
import {
  lineageChain,
  pinGroupAtEnds,
  stageAlertAt,
  startServiceProcess,
  type ServiceProcess,
} from '@damon/testing';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

const env = loadConfig(
  z.object({
    DATABASE_URL: databaseUrlVar({ required: true }),
    KAFKA_BROKERS: kafkaBrokersVar({ required: true }),
  }),
);
const RUN = `crash${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const CHAINS = 400;
const ALERTS_PER_SUBJECT = 6;
const T0 = Date.now();

function stream(): { edges: LineageEdge[]; alerts: StageAlert[] } {
  const edges: LineageEdge[] = [];
  const alerts: StageAlert[] = [];
  for (let c = 0; c < CHAINS; c++) {
    const chain = lineageChain(RUN, c, new Date(T0).toISOString());
    edges.push(...chain.edges);
    for (const subject of [chain.dataset, chain.run, chain.model]) {
      for (let k = 0; k < ALERTS_PER_SUBJECT; k++) {
        alerts.push(
          stageAlertAt(`${RUN}-a-${subject.id}-${k}`, subject, T0 + k * 1_000, {
            detector: `detector-${k % 3}`,
            score: 3,
            pValue: 10 ** -(2 + (k % 4)),
          }),
        );
      }
    }
  }
  return { edges, alerts };
}

function startCorrelator(databaseUrl: string): ServiceProcess {
  return startServiceProcess('apps/correlator/src/main.ts', {
    KAFKA_BROKERS: env.KAFKA_BROKERS.join(','),
    DATABASE_URL: databaseUrl,
    CORRELATOR_GROUP: `${RUN}-correlator`,
    GROUP_WAIT_SECONDS: '0',
    PORT: '0',
    KAFKA_SESSION_TIMEOUT_MS: '6000',
  });
}

async function count(ds: DataSource, sql: string, params: unknown[]): Promise<number> {
  const rows: unknown = await ds.query(sql, params);
  return (rows as { n: number }[])[0].n;
}

describe('correlator process: kill -9 mid-stream, restart', () => {
  let scratch: ScratchDatabase;
  let dataSource: DataSource;
  let bus: KafkaBus;
  let reader: Subscription;
  const incidentEvents: IncidentEvent[] = [];
  const children: ServiceProcess[] = [];

  beforeAll(async () => {
    scratch = await createScratchDatabase(env.DATABASE_URL, 'damon_test_correlator_crash');
    dataSource = await createDataSource(scratch.url, { poolSize: 2 }).initialize();
    await dataSource.runMigrations();
    bus = new KafkaBus({
      brokers: env.KAFKA_BROKERS,
      clientId: 'correlator-crash-it',
      logger: SILENT_LOGGER,
    });
    await bus.ensureTopics(['damon.alerts', 'damon.lineage', 'damon.incidents']);
    // The topics are shared with other tests and earlier runs: the correlator's group starts at their
    // current end, so "the stream" is exactly what this test publishes.
    await pinGroupAtEnds(env.KAFKA_BROKERS, `${RUN}-correlator`);
    reader = await bus.subscribe({
      group: `${RUN}-reader`,
      topics: ['damon.incidents'],
      fromBeginning: false,
      handler: (m) => {
        if (m.value.subjects.some((s) => s.id.startsWith(RUN))) incidentEvents.push(m.value);
        return Promise.resolve();
      },
    });
  });

  afterAll(async () => {
    for (const c of children) await c.kill9();
    await reader?.stop();
    await bus?.close();
    await dataSource?.destroy();
    await scratch?.drop();
  });

  it('loses nothing and duplicates nothing', async () => {
    const { edges, alerts } = stream();
    const alertsOfRun = `SELECT count(*)::int AS n FROM alerts WHERE alert_id LIKE $1`;
    // Lineage and alerts interleaved, as producers would send them; alerts outnumber edges 9:1.
    for (let i = 0; i < CHAINS; i += 50) {
      await bus.publishMany('damon.lineage', edges.slice(2 * i, 2 * (i + 50)));
      await bus.publishMany(
        'damon.alerts',
        alerts.slice(3 * ALERTS_PER_SUBJECT * i, 3 * ALERTS_PER_SUBJECT * (i + 50)),
      );
    }

    const first = startCorrelator(scratch.url);
    children.push(first);
    let seen = 0;
    const deadline = Date.now() + 120_000;
    while (seen < alerts.length / 10) {
      if (Date.now() > deadline || first.child.exitCode !== null)
        throw new Error(`first correlator made no progress:\n${first.output()}`);
      await new Promise((r) => setTimeout(r, 20));
      seen = await count(dataSource, alertsOfRun, [`${RUN}-%`]);
    }
    await first.kill9();
    const atKill = await count(dataSource, alertsOfRun, [`${RUN}-%`]);
    console.log(`[correlator crash] killed with ${atKill} of ${alerts.length} alerts recorded`);
    // Killed mid-stream: some, not all, alerts were in.
    expect(atKill).toBeGreaterThan(0);
    expect(atKill).toBeLessThan(alerts.length);

    const second = startCorrelator(scratch.url);
    children.push(second);
    const myEvents = [...edges, ...alerts].map((e) => e.eventId);
    const doneDeadline = Date.now() + 150_000;
    for (;;) {
      const processed = await count(
        dataSource,
        `SELECT count(*)::int AS n FROM processed_events WHERE consumer_group = $1 AND event_id = ANY($2::text[])`,
        [`${RUN}-correlator`, myEvents],
      );
      const pendingOutbox = await count(
        dataSource,
        `SELECT count(*)::int AS n FROM incident_outbox WHERE published_at IS NULL`,
        [],
      );
      const unannounced = await count(
        dataSource,
        `SELECT count(*)::int AS n FROM incidents WHERE status = 'open' AND NOT announced`,
        [],
      );
      if (processed === myEvents.length && pendingOutbox === 0 && unannounced === 0) break;
      if (Date.now() > doneDeadline || second.child.exitCode !== null)
        throw new Error(
          `restarted correlator did not finish (${processed}/${myEvents.length}):\n${second.output()}`,
        );
      await new Promise((r) => setTimeout(r, 200));
    }

    // Graceful stop on SIGTERM: exits 0.
    expect(await second.stop()).toBe(0);

    expect(await count(dataSource, alertsOfRun, [`${RUN}-%`])).toBe(alerts.length);
    expect(
      await count(
        dataSource,
        `SELECT count(*)::int AS n FROM alerts WHERE alert_id LIKE $1 AND status <> 'correlated'`,
        [`${RUN}-%`],
      ),
    ).toBe(0);
    expect(
      await count(dataSource, `SELECT count(*)::int AS n FROM incident_alerts WHERE alert_id LIKE $1`, [
        `${RUN}-%`,
      ]),
    ).toBe(alerts.length);
    // One open incident per chain, holding the chain's 18 alerts across three stages.
    const open: unknown = await dataSource.query(
      `SELECT i.id, i.alert_count, cardinality(i.stages) AS stages, count(a.alert_id)::int AS members
       FROM incidents i JOIN incident_alerts a ON a.incident_id = i.id
       WHERE i.status = 'open' AND a.alert_id LIKE $1 GROUP BY i.id`,
      [`${RUN}-%`],
    );
    const rows = open as { id: string; alert_count: number; stages: number; members: number }[];
    expect(rows).toHaveLength(CHAINS);
    for (const r of rows) {
      expect(r.members).toBe(3 * ALERTS_PER_SUBJECT);
      expect(r.alert_count).toBe(3 * ALERTS_PER_SUBJECT);
      expect(r.stages).toBe(3);
    }
    // Every chain's alerts are in one incident (not split between two that each hold 18 by accident).
    const mixed = await count(
      dataSource,
      `SELECT count(*)::int AS n FROM (
         SELECT a.incident_id FROM incident_alerts a WHERE a.alert_id LIKE $1
         GROUP BY a.incident_id HAVING count(DISTINCT substring(a.alert_id FROM '-[DRM]([0-9]+)-')) <> 1) x`,
      [`${RUN}-%`],
    );
    expect(mixed).toBe(0);

    // Each open incident was announced exactly once (event ids may be re-sent, never re-minted).
    const deadlineEvents = Date.now() + 30_000;
    const openIds = new Set(rows.map((r) => r.id));
    const openedIds = () =>
      new Set(
        incidentEvents
          .filter((e) => e.change === 'opened' && openIds.has(e.subject.id))
          .map((e) => e.subject.id),
      );
    while (openedIds().size < CHAINS && Date.now() < deadlineEvents)
      await new Promise((r) => setTimeout(r, 200));
    expect(openedIds().size).toBe(CHAINS);
    const openedEventIds = new Set(
      incidentEvents.filter((e) => e.change === 'opened' && openIds.has(e.subject.id)).map((e) => e.eventId),
    );
    expect(openedEventIds.size).toBe(CHAINS);
  });
});
