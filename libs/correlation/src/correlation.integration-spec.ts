import { randomBytes } from 'node:crypto';
import { KafkaBus, SILENT_LOGGER, type Subscription } from '@damon/bus';
import { databaseUrlVar, kafkaBrokersVar, loadConfig } from '@damon/config';
import type {
  ArtifactKind,
  IncidentEvent,
  LineageEdge,
  LineageRelation,
  Stage,
  StageAlert,
} from '@damon/contracts';
import {
  createDataSource,
  createScratchDatabase,
  insertSilence,
  type ScratchDatabase,
} from '@damon/persistence';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AlertsConsumer } from './alerts.consumer';
import type { Clock } from './clock';
import { CorrelationEngine } from './correlation-engine';
import type { CorrelationSettings } from './correlation-settings';
import { CorrelationStore } from './correlation-store';
import { CorrelationService } from './correlation.service';
import { IncidentOutboxPublisher } from './incident-outbox.publisher';
import { currentEnds, pinGroup, type StreamStart } from '@damon/testing';
import { boundedPValue, fisherCombinedP } from './severity';

const env = loadConfig(
  z.object({
    DATABASE_URL: databaseUrlVar({ required: true }),
    KAFKA_BROKERS: kafkaBrokersVar({ required: true }),
  }),
);

/** Ids unique to this run: the broker's topics are shared with other tests and earlier runs. */
const RUN = `it${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const T0 = Date.now();
const MINUTE = 60_000;
const GROUP_WAIT_MS = 60_000;

/** Wall clock plus an offset the tests move forward to let group_wait elapse. */
class TestClock implements Clock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

function ref(kind: ArtifactKind, name: string): { kind: ArtifactKind; id: string } {
  return { kind, id: `${RUN}-${name}` };
}

let sequence = 0;
function alert(
  subject: { kind: ArtifactKind; id: string },
  stage: Stage,
  detector: string,
  pValue: number,
  minutesAfterT0 = 0,
): StageAlert {
  const id = `${RUN}-alert-${++sequence}`;
  const at = T0 + minutesAfterT0 * MINUTE;
  return {
    eventId: `${id}-event`,
    schemaVersion: 1,
    occurredAt: new Date(at).toISOString(),
    subject,
    alertId: id,
    stage,
    detector,
    score: -Math.log10(pValue),
    pValue,
    alpha: 0.01,
    evidence: { note: 'integration test' },
    window: { from: new Date(at - 5 * MINUTE).toISOString(), to: new Date(at).toISOString() },
    inputEventIds: [`${id}-input`],
  };
}

function edge(
  from: { kind: ArtifactKind; id: string },
  relation: LineageRelation,
  to: { kind: ArtifactKind; id: string },
): LineageEdge {
  return {
    eventId: `${RUN}-edge-${++sequence}`,
    schemaVersion: 1,
    occurredAt: new Date(T0).toISOString(),
    subject: to,
    from,
    to,
    relation,
  };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Correlator {
  service: CorrelationService;
  publisher: IncidentOutboxPublisher;
  stop(): Promise<void>;
}

let streamStart: StreamStart = [];

async function startCorrelator(
  bus: KafkaBus,
  dataSource: DataSource,
  group: string,
  clock: Clock,
): Promise<Correlator> {
  await pinGroup(env.KAFKA_BROKERS, group, streamStart);
  const settings: CorrelationSettings = { hops: 3, windowMs: 60 * MINUTE, groupWaitMs: GROUP_WAIT_MS, group };
  const publisher = new IncidentOutboxPublisher(dataSource, bus);
  const service = new CorrelationService(
    dataSource,
    settings,
    clock,
    publisher,
    new CorrelationEngine(settings),
    new CorrelationStore(),
  );
  const consumer = new AlertsConsumer(bus, settings, service);
  await consumer.onApplicationBootstrap();
  return {
    service,
    publisher,
    stop: async () => {
      await consumer.beforeApplicationShutdown();
      await publisher.idle();
    },
  };
}

interface IncidentView {
  id: string;
  status: string;
  severity: number;
  stages: string[];
  alertIds: string[];
  subjects: string[];
  version: number;
  mergedInto: string | null;
}

/** Incidents of this run (by subject prefix), with their alerts and subjects. */
async function incidents(dataSource: DataSource): Promise<IncidentView[]> {
  const rows: unknown = await dataSource.query(
    `SELECT i.id, i.status, i.severity, i.stages, i.version, i.merged_into AS "mergedInto",
       coalesce((SELECT array_agg(a.alert_id ORDER BY a.alert_id) FROM incident_alerts a WHERE a.incident_id = i.id), '{}') AS "alertIds",
       coalesce((SELECT array_agg(s.subject_kind || ':' || s.subject_id ORDER BY s.subject_kind, s.subject_id)
                 FROM incident_subjects s WHERE s.incident_id = i.id), '{}') AS subjects
     FROM incidents i
     WHERE EXISTS (SELECT 1 FROM incident_subjects s WHERE s.incident_id = i.id AND s.subject_id LIKE $1)
     ORDER BY i.id`,
    [`${RUN}-%`],
  );
  return rows as IncidentView[];
}

async function alertStatus(dataSource: DataSource, alertId: string): Promise<string | undefined> {
  const rows: unknown = await dataSource.query(`SELECT status FROM alerts WHERE alert_id = $1`, [alertId]);
  return (rows as { status: string }[])[0]?.status;
}

function openIncidentWith(list: IncidentView[], alertIds: string[]): IncidentView | undefined {
  return list.find((i) => i.status === 'open' && alertIds.every((a) => i.alertIds.includes(a)));
}

describe('correlator on real Kafka and PostgreSQL', () => {
  let scratch: ScratchDatabase;
  let dataSource: DataSource;
  let bus: KafkaBus;
  let correlator: Correlator;
  let incidentEvents: IncidentEvent[];
  let incidentSubscription: Subscription;
  const clock = new TestClock();
  const published: { alerts: StageAlert[]; edges: LineageEdge[] } = { alerts: [], edges: [] };

  async function publishAlerts(...alerts: StageAlert[]): Promise<void> {
    published.alerts.push(...alerts);
    await bus.publishMany('damon.alerts', alerts);
  }
  async function publishEdges(...edges: LineageEdge[]): Promise<void> {
    published.edges.push(...edges);
    await bus.publishMany('damon.lineage', edges);
  }
  async function announce(): Promise<void> {
    clock.offsetMs += GROUP_WAIT_MS + 1_000;
    await correlator.service.announceDue();
    await correlator.publisher.idle();
  }

  beforeAll(async () => {
    scratch = await createScratchDatabase(env.DATABASE_URL, 'damon_test_correlation');
    dataSource = await createDataSource(scratch.url, { poolSize: 6 }).initialize();
    await dataSource.runMigrations();
    bus = new KafkaBus({
      brokers: env.KAFKA_BROKERS,
      clientId: 'correlation-it',
      logger: SILENT_LOGGER,
      consumer: { sessionTimeout: 6_000, heartbeatInterval: 500, maxWaitTimeInMs: 200 },
    });
    await bus.ensureTopics(['damon.alerts', 'damon.lineage', 'damon.incidents']);
    streamStart = await currentEnds(env.KAFKA_BROKERS);
    incidentEvents = [];
    incidentSubscription = await bus.subscribe({
      group: `${RUN}-incidents-reader`,
      topics: ['damon.incidents'],
      fromBeginning: false,
      handler: (m) => {
        if (m.value.subjects.some((s) => s.id.startsWith(RUN))) incidentEvents.push(m.value);
        return Promise.resolve();
      },
    });
    correlator = await startCorrelator(bus, dataSource, `${RUN}-correlator`, clock);
  });

  afterAll(async () => {
    await correlator?.stop();
    await incidentSubscription?.stop();
    await bus?.close();
    await dataSource?.destroy();
    await scratch?.drop();
  });

  it('tells the three-stage lineage story as one incident', async () => {
    const G = ref('model', 'G');
    const D = ref('dataset', 'D');
    const R = ref('run', 'R');
    const M = ref('model', 'M');
    await publishEdges(edge(G, 'generated', D), edge(D, 'trained', R), edge(R, 'produced', M));
    await until('lineage recorded', async () => {
      const rows: unknown = await dataSource.query(
        `SELECT count(*)::int AS n FROM lineage_edges WHERE to_id LIKE $1`,
        [`${RUN}-%`],
      );
      return (rows as { n: number }[])[0].n === 3 ? true : undefined;
    });
    const story = [
      alert(D, 'data', 'mmd', 1e-4, 0),
      alert(R, 'signals', 'cusum', 1e-3, 5),
      alert(M, 'representations', 'mahalanobis', 1e-5, 9),
    ];
    await publishAlerts(...story);
    const ids = story.map((a) => a.alertId);
    const incident = await until('one incident with the whole story', async () =>
      openIncidentWith(await incidents(dataSource), ids),
    );
    expect(incident.stages.sort()).toEqual(['data', 'representations', 'signals']);
    expect(incident.subjects).toEqual([`dataset:${D.id}`, `model:${M.id}`, `run:${R.id}`]);
    // Fisher over the softly bounded p-values (severity.spec.ts checks it against closed forms and SciPy),
    // +1 per extra stage, + persistence log10(1 + 9 min / 10 min) for alerts spread over 9 minutes.
    const evidence = -Math.log10(fisherCombinedP([1e-4, 1e-3, 1e-5].map(boundedPValue)));
    expect(incident.severity).toBeCloseTo(evidence + 2 + Math.log10(1.9), 9);

    const timeline: unknown = await dataSource.query(
      `SELECT kind, details FROM incident_timeline WHERE incident_id = $1 ORDER BY seq`,
      [incident.id],
    );
    // Alerts on different subjects travel on different partitions, so their order varies: whichever
    // came first, the paths walked to join the incident cover the lineage from D through R to M.
    const walked = (
      timeline as { kind: string; details: { path?: { from: string; relation: string; to: string }[] } }[]
    )
      .filter((t) => t.kind === 'alert_added')
      .flatMap((t) => t.details.path ?? [])
      .map((l) => `${l.from} ${l.relation} ${l.to}`);
    expect([...new Set(walked)].sort()).toEqual([
      `dataset:${D.id} trained run:${R.id}`,
      `run:${R.id} produced model:${M.id}`,
    ]);

    // Nothing is announced before group_wait; then `opened` tells the whole story at once.
    expect(incidentEvents.filter((e) => e.subject.id === incident.id)).toEqual([]);
    await announce();
    const opened = await until('opened event', () =>
      Promise.resolve(incidentEvents.find((e) => e.subject.id === incident.id && e.change === 'opened')),
    );
    expect(opened.alertIds).toEqual([...ids].sort());
    expect(opened.stages).toEqual(['data', 'representations', 'signals']);
    expect(opened.severity).toBeCloseTo(incident.severity, 12);
  });

  it('keeps unrelated alerts in separate incidents', async () => {
    const A = ref('dataset', 'unrelated-A');
    const B = ref('run', 'unrelated-B');
    // C is 4 hops from A: beyond CORRELATION_HOPS = 3.
    const chain = [A, ref('run', 'u1'), ref('model', 'u2'), ref('dataset', 'u3'), ref('run', 'unrelated-C')];
    await publishEdges(...chain.slice(1).map((to, i) => edge(chain[i], 'trained', to)));
    await until('chain recorded', async () => {
      const rows: unknown = await dataSource.query(
        `SELECT count(*)::int AS n FROM lineage_edges WHERE to_id LIKE $1`,
        [`${RUN}-u%`],
      );
      return (rows as { n: number }[])[0].n === 4 ? true : undefined;
    });
    const alerts = [
      alert(A, 'data', 'mmd', 1e-3),
      alert(B, 'signals', 'cusum', 1e-3),
      alert(chain[4], 'signals', 'kl', 1e-3),
    ];
    await publishAlerts(...alerts);
    const found = await until('three incidents', async () => {
      const list = await incidents(dataSource);
      const each = alerts.map((a) => list.find((i) => i.alertIds.includes(a.alertId)));
      return each.every(Boolean) ? each : undefined;
    });
    expect(new Set(found.map((i) => i!.id)).size).toBe(3);
    for (const i of found) expect(i!.alertIds).toHaveLength(1);
  });

  it('merges two incidents that a late lineage edge connects', async () => {
    const X = ref('dataset', 'merge-X');
    const Y = ref('run', 'merge-Y');
    const [ax, ay] = [alert(X, 'data', 'mmd', 1e-3, 1), alert(Y, 'signals', 'cusum', 1e-4, 2)];
    await publishAlerts(ax, ay);
    const [ix, iy] = await until('two incidents', async () => {
      const list = await incidents(dataSource);
      const pair = [openIncidentWith(list, [ax.alertId]), openIncidentWith(list, [ay.alertId])];
      return pair[0] && pair[1] && pair[0].id !== pair[1].id ? pair : undefined;
    });
    await announce();
    await publishEdges(edge(X, 'trained', Y));
    const merged = await until('merged incident', async () =>
      openIncidentWith(await incidents(dataSource), [ax.alertId, ay.alertId]),
    );
    // The older story (X's alert came first) survives.
    expect(merged.id).toBe(ix!.id);
    const absorbed = (await incidents(dataSource)).find((i) => i.id === iy!.id)!;
    expect(absorbed.status).toBe('merged');
    expect(absorbed.mergedInto).toBe(ix!.id);
    const events = await until('merged and updated events', () => {
      const mergedEvent = incidentEvents.find((e) => e.subject.id === iy!.id && e.change === 'merged');
      const updated = incidentEvents.find((e) => e.subject.id === ix!.id && e.change === 'updated');
      return Promise.resolve(mergedEvent && updated ? { mergedEvent, updated } : undefined);
    });
    expect(events.mergedEvent.mergedInto).toBe(ix!.id);
    expect(events.updated.alertIds).toEqual([ax.alertId, ay.alertId].sort());
    const notes: unknown = await dataSource.query(
      `SELECT kind, details FROM incident_timeline WHERE incident_id = $1 AND kind = 'merged'`,
      [ix!.id],
    );
    expect((notes as { details: { absorbed: string } }[])[0].details.absorbed).toBe(iy!.id);
  });

  it('records silenced alerts without incidents, and dedups by id and fingerprint', async () => {
    const S = ref('model', 'silenced');
    const silenceId = await insertSilence(dataSource, {
      subjectKind: 'model',
      subjectId: S.id,
      startsAt: new Date(T0 - MINUTE),
      endsAt: new Date(T0 + 60 * MINUTE),
      author: 'alice',
      comment: 'known retraining',
    });
    const muted = alert(S, 'representations', 'mahalanobis', 1e-6, 10);
    const P = ref('dataset', 'dedup');
    const original = alert(P, 'data', 'mmd', 1e-3, 11);
    const sameFinding = { ...alert(P, 'data', 'mmd', 1e-9, 11), window: original.window };
    await publishAlerts(
      muted,
      original,
      original,
      { ...original, eventId: `${original.eventId}-resent` },
      sameFinding,
    );
    await until('alerts recorded', async () =>
      (await alertStatus(dataSource, sameFinding.alertId)) ? true : undefined,
    );
    expect(await alertStatus(dataSource, muted.alertId)).toBe('silenced');
    const rows: unknown = await dataSource.query(`SELECT silence_id FROM alerts WHERE alert_id = $1`, [
      muted.alertId,
    ]);
    expect((rows as { silence_id: string }[])[0].silence_id).toBe(silenceId);
    expect(await alertStatus(dataSource, original.alertId)).toBe('correlated');
    expect(await alertStatus(dataSource, sameFinding.alertId)).toBe('duplicate');
    const list = await incidents(dataSource);
    expect(list.filter((i) => i.subjects.includes(`model:${S.id}`))).toEqual([]);
    const dedupIncident = list.filter((i) => i.subjects.includes(`dataset:${P.id}`));
    expect(dedupIncident).toHaveLength(1);
    expect(dedupIncident[0].alertIds).toEqual([original.alertId]);
    // The duplicate's smaller p did not count: the softly bounded −log10(1e-3).
    expect(dedupIncident[0].severity).toBeCloseTo(12 * Math.tanh(3 / 12), 9);
  });

  it('yields the same incidents when the whole topics are replayed, into the same or a fresh database', async () => {
    const before = await incidents(dataSource);
    const myEvents = [...published.alerts, ...published.edges].map((e) => e.eventId);
    const replayGroup = `${RUN}-replay`;
    const processed = async (ds: DataSource, group: string) => {
      const rows: unknown = await ds.query(
        `SELECT count(DISTINCT event_id)::int AS n FROM processed_events WHERE consumer_group = $1 AND event_id = ANY($2::text[])`,
        [group, myEvents],
      );
      return (rows as { n: number }[])[0].n;
    };
    const distinctEvents = new Set(myEvents).size;

    // Same database, second pass over everything under a new group: nothing may change.
    const replay = await startCorrelator(bus, dataSource, replayGroup, clock);
    await until('replay caught up', async () =>
      (await processed(dataSource, replayGroup)) === distinctEvents ? true : undefined,
    );
    await replay.stop();
    expect(await incidents(dataSource)).toEqual(before);

    // Fresh database, same silence: the same stories come out.
    const fresh = await createScratchDatabase(env.DATABASE_URL, 'damon_test_correlation_replay');
    const freshSource = await createDataSource(fresh.url, { poolSize: 4 }).initialize();
    try {
      await freshSource.runMigrations();
      const second = await startCorrelator(bus, freshSource, `${RUN}-fresh`, clock);
      await insertSilence(freshSource, {
        subjectKind: 'model',
        subjectId: ref('model', 'silenced').id,
        startsAt: new Date(T0 - MINUTE),
        endsAt: new Date(T0 + 60 * MINUTE),
        author: 'alice',
        comment: 'known retraining',
      });
      await until('fresh replay caught up', async () =>
        (await processed(freshSource, `${RUN}-fresh`)) === distinctEvents ? true : undefined,
      );
      await second.stop();
      const stories = (list: IncidentView[]) =>
        list
          .filter((i) => i.status === 'open')
          .map((i) => ({
            alertIds: i.alertIds,
            stages: [...i.stages].sort(),
            severity: i.severity.toFixed(9),
          }))
          .sort((a, b) => a.alertIds[0].localeCompare(b.alertIds[0]));
      expect(stories(await incidents(freshSource))).toEqual(stories(before));
    } finally {
      await freshSource.destroy();
      await fresh.drop();
    }
  });
});
