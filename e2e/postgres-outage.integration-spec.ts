import { randomBytes } from 'node:crypto';
import { KafkaBus, SILENT_LOGGER } from '@damon/bus';
import type { DeadLetter, StageAlert } from '@damon/contracts';
import { normalGenerator } from '@damon/detectors';
import {
  SyntheticModel,
  TopicRecorder,
  servers,
  startPrivatePostgres,
  waitFor,
  type PrivateServer,
} from '@damon/monitor-testing';
import { createDataSource, createScratchDatabase, type ScratchDatabase } from '@damon/persistence';
import {
  listeningPort,
  pinGroupAtEnds,
  stageAlertAt,
  startServiceProcess,
  type ServiceProcess,
} from '@damon/testing';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const RUN = `pgout${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const MONITOR_GROUP = `${RUN}-repr`;
const CORRELATOR_GROUP = `${RUN}-correlator`;
const REFERENCE_BATCHES = 8;
const STREAM_BATCHES = 40;
const ALERTS = 400;
const BATCH = 50;
const OUTAGE_MS = 30_000;

/**
 * A PostgreSQL outage of 30 s in the middle of a stream, on a private server (the shared one stays
 * up): the representation monitor and the correlator, each in its own process as deployed, wait for
 * the database instead of dead-lettering, and after it returns every input is processed exactly once.
 */
describe('PostgreSQL outage mid-stream (private PostgreSQL, real Kafka)', () => {
  const brokers = servers().brokers;
  let postgres: PrivateServer;
  let scratch: ScratchDatabase;
  let dataSource: DataSource;
  let bus: KafkaBus;
  let deadLetters: TopicRecorder<'damon.dlq'>;
  let scores: TopicRecorder<'damon.scores'>;
  const children: ServiceProcess[] = [];

  beforeAll(async () => {
    postgres = startPrivatePostgres();
    scratch = await createScratchDatabase(postgres.url, 'damon_outage');
    dataSource = await createDataSource(scratch.url, { poolSize: 2 }).initialize();
    await dataSource.runMigrations();
    bus = new KafkaBus({ brokers, clientId: `${RUN}-test`, logger: SILENT_LOGGER });
    await bus.ensureTopics([
      'damon.alerts',
      'damon.lineage',
      'damon.telemetry.repr',
      'damon.scores',
      'damon.dlq',
    ]);
    // The topics are shared with other tests: the correlator's group starts at their current end.
    await pinGroupAtEnds(brokers.split(','), CORRELATOR_GROUP);
    // The telemetry topic is shared: our monitor also sees other tests' (sometimes bad) inputs. Kept:
    // every dead letter about our inputs, and any `failed` one (a handler given up on) of our groups.
    deadLetters = new TopicRecorder(
      bus,
      ['damon.dlq'],
      (_t, letter: DeadLetter) =>
        (letter.consumerGroup === MONITOR_GROUP || letter.consumerGroup === CORRELATOR_GROUP) &&
        (letter.kind === 'failed' ||
          Buffer.from(letter.originalBase64, 'base64').toString('utf8').includes(RUN)),
    );
    await deadLetters.start();
    scores = new TopicRecorder(bus, ['damon.scores'], (_t, s) => s.subject.id.startsWith(RUN));
    await scores.start();
  });

  afterAll(async () => {
    for (const child of children) await child.kill9();
    await deadLetters?.stop();
    await scores?.stop();
    await bus?.close();
    await dataSource?.destroy().catch(() => undefined);
    postgres?.remove();
  });

  /** A count, or undefined while the database is down. */
  async function count(sql: string, params: unknown[]): Promise<number | undefined> {
    try {
      const result: unknown = await dataSource.query(sql, params);
      return (result as { n: number }[])[0].n;
    } catch {
      return undefined;
    }
  }
  /** Our inputs a group recorded as processed (the topics carry other tests' events too). */
  const ours: string[] = [];
  const processed = (group: string) =>
    count(
      'SELECT count(*)::int AS n FROM processed_events WHERE consumer_group = $1 AND event_id = ANY($2::text[])',
      [group, ours],
    );

  it('waits out the outage: every telemetry batch and alert processed exactly once, none dead-lettered', async () => {
    const env = { KAFKA_BROKERS: brokers, DATABASE_URL: scratch.url, PORT: '0', LOG_LEVEL: 'info' };
    const monitor = startServiceProcess('apps/representation-monitor/src/main.ts', {
      ...env,
      MONITOR_GROUP,
      MONITOR_FROM_BEGINNING: 'false',
      MONITOR_REFERENCE_SIZE: String(REFERENCE_BATCHES * BATCH),
    });
    const correlator = startServiceProcess('apps/correlator/src/main.ts', {
      ...env,
      CORRELATOR_GROUP,
      GROUP_WAIT_SECONDS: '0',
      KAFKA_SESSION_TIMEOUT_MS: '6000',
    });
    children.push(monitor, correlator);
    /** A wait that, when it fails, says where each service stood. */
    const explain = (wait: Promise<void>) =>
      wait.catch(async (error: Error) => {
        const state = `monitor ${await processed(MONITOR_GROUP)}, correlator ${await processed(CORRELATOR_GROUP)}`;
        throw new Error(
          `${error.message} (${state})\n--- monitor:\n${monitor.output().slice(-3000)}\n--- correlator:\n${correlator.output().slice(-2000)}`,
        );
      });
    await Promise.all([
      monitor.waitFor(/"msg":"listening"/, 120_000),
      correlator.waitFor(/"msg":"listening"/, 120_000),
    ]);

    const subjectId = `${RUN}-model`;
    const model = new SyntheticModel(16, 3);
    const randn = normalGenerator(5);
    const reference = Array.from({ length: REFERENCE_BATCHES }, () =>
      model.batch(subjectId, BATCH, randn, { trusted: true }),
    );
    ours.push(...reference.map((b) => b.eventId));
    await bus.publishMany('damon.telemetry.repr', reference);
    await explain(
      waitFor(async () => (await processed(MONITOR_GROUP)) === REFERENCE_BATCHES, 90_000, 'the reference'),
    );

    const stream = Array.from({ length: STREAM_BATCHES }, (_, b) =>
      model.batch(subjectId, BATCH, randn, { prefix: `b${b}` }),
    );
    const alerts: StageAlert[] = Array.from({ length: ALERTS }, (_, i) =>
      stageAlertAt(`${RUN}-a${i}`, { kind: 'model', id: `${RUN}-m${i % 40}` }, Date.now() + i, {
        detector: 'outage-test',
        score: 3,
        pValue: 1e-3,
      }),
    );
    ours.push(...stream.map((b) => b.eventId), ...alerts.map((a) => a.eventId));
    // Inputs keep arriving before, during and after the outage.
    const publishing = (async () => {
      for (let i = 0; i < STREAM_BATCHES; i += 1) {
        await bus.publish('damon.telemetry.repr', stream[i]);
        await bus.publishMany('damon.alerts', alerts.slice(i * 10, i * 10 + 10));
        await new Promise((r) => setTimeout(r, 1_000));
      }
    })();
    await waitFor(
      async () => ((await processed(MONITOR_GROUP)) ?? 0) >= REFERENCE_BATCHES + 3,
      60_000,
      'the stream under way',
    );
    postgres.stop();
    const outageStarted = Date.now();
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    postgres.start();
    console.log(`[pg outage] database down for ${Date.now() - outageStarted} ms`);
    await publishing;

    const expectedMonitor = REFERENCE_BATCHES + STREAM_BATCHES;
    const done = async () =>
      deadLetters.of('damon.dlq').length > 0 ||
      ((await processed(MONITOR_GROUP)) === expectedMonitor &&
        (await processed(CORRELATOR_GROUP)) === ALERTS);
    await explain(waitFor(done, 120_000, 'every input processed after the database returned', 250));

    // Nothing dead-lettered, by either service.
    expect(deadLetters.of('damon.dlq').map((l) => `${l.consumerGroup} ${l.kind}: ${l.reason}`)).toEqual([]);
    expect(await processed(MONITOR_GROUP)).toBe(expectedMonitor);
    expect(await processed(CORRELATOR_GROUP)).toBe(ALERTS);
    // Exactly once in effect: one alert row per input alert, one fused score batch per stream event.
    expect(await count('SELECT count(*)::int AS n FROM alerts WHERE alert_id LIKE $1', [`${RUN}-a%`])).toBe(
      ALERTS,
    );
    await waitFor(
      () =>
        new Set(
          scores
            .of('damon.scores')
            .filter((s) => s.detector === 'fused-layers')
            .map((s) => s.eventId),
        ).size === STREAM_BATCHES,
      30_000,
      'a fused score batch per stream event',
    );
    const fused = scores.of('damon.scores').filter((s) => s.detector === 'fused-layers');
    expect(new Set(fused.flatMap((s) => s.items.map((i) => i.itemId))).size).toBe(STREAM_BATCHES * BATCH);
    // Both processes rode the outage out and say so in their logs.
    expect(monitor.child.exitCode).toBeNull();
    expect(correlator.child.exitCode).toBeNull();
    expect(monitor.output()).toMatch(/dependency unavailable/);
    // The correlator's own metrics: the outbox backlog (drained: 0 or a few in flight) and batch latency.
    const port = listeningPort(correlator.output());
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/^damon_correlator_outbox_backlog \d+$/m);
    const batches = Number(/^damon_correlator_batch_seconds_count (\d+)$/m.exec(metrics)?.[1]);
    expect(batches).toBeGreaterThan(0);
    await monitor.stop();
    expect(monitor.output()).toContain('"msg":"stopped"');
    expect(await correlator.stop()).toBe(0);
  });
});
