import { randomBytes } from 'node:crypto';
import { KafkaBus, SILENT_LOGGER, type Subscription } from '@damon/bus';
import type { Topic } from '@damon/contracts';
import { createDataSource, createScratchDatabase, type ScratchDatabase } from '@damon/persistence';
import { STORY } from '@damon/scenario';
import { integrationEnv, pinGroupAtEnds } from '@damon/testing';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AllInOneRun, sample, subjectsOf, upper } from './all-in-one-run';

// `npm start` with KAFKA_BROKERS and DATABASE_URL set: the shared Kafka and a fresh database on the
// shared PostgreSQL instead of the embedded parts. The topics are the platform's own (shared with
// every other test), so the run's consumer groups carry a prefix of their own and start at the
// topics' current end: it sees what it publishes itself (and whatever other tests publish meanwhile,
// which is why only the story's incident is asserted, not the total).
const RUN = `aio${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const PREFIX = `${RUN}-`;
const GROUP_TOPICS: Record<string, Topic[]> = {
  [`${PREFIX}data-monitor`]: ['damon.telemetry.data'],
  [`${PREFIX}signals-monitor`]: ['damon.telemetry.training'],
  [`${PREFIX}representations-monitor`]: ['damon.telemetry.repr'],
  [`${PREFIX}data-monitor-commands`]: ['damon.commands'],
  [`${PREFIX}signals-monitor-commands`]: ['damon.commands'],
  [`${PREFIX}representations-monitor-commands`]: ['damon.commands'],
  [`${PREFIX}correlator`]: ['damon.alerts', 'damon.lineage'],
};

describe('npm start on an existing Kafka and PostgreSQL (KAFKA_BROKERS, DATABASE_URL)', () => {
  const env = integrationEnv();
  let scratch: ScratchDatabase;
  let dataSource: DataSource;
  let bus: KafkaBus;
  let feed: Subscription | undefined;
  const published: string[] = [];
  let run: AllInOneRun;

  beforeAll(async () => {
    scratch = await createScratchDatabase(env.databaseUrl, 'damon_test_all_in_one');
    bus = new KafkaBus({ brokers: env.kafkaBrokers, clientId: `${RUN}-it`, logger: SILENT_LOGGER });
    await bus.ensureTopics([...new Set(Object.values(GROUP_TOPICS).flat()), 'damon.incidents']);
    for (const [groupId, topics] of Object.entries(GROUP_TOPICS))
      await pinGroupAtEnds(env.kafkaBrokers, groupId, topics);
    // What the run's correlator publishes on the shared Kafka, from now on.
    feed = await bus.subscribe({
      group: `${RUN}-feed`,
      topics: ['damon.incidents'],
      fromBeginning: false,
      handler: (message) => {
        published.push(JSON.stringify(message.value));
        return Promise.resolve();
      },
    });
    await feed.ready;
    run = new AllInOneRun([], {
      set: {
        KAFKA_BROKERS: env.kafkaBrokers.join(','),
        DATABASE_URL: scratch.url,
        CONSUMER_GROUP_PREFIX: PREFIX,
        GROUP_WAIT_SECONDS: '0',
      },
    });
  });

  afterAll(async () => {
    await run?.process?.interrupt().catch(() => undefined);
    await feed?.stop();
    await bus?.close();
    if (dataSource?.isInitialized) await dataSource.destroy();
    await scratch?.drop();
  });

  it('keeps incidents in that PostgreSQL, publishes on that Kafka, serves the story incident, exits 0 on Ctrl-C', async () => {
    const spawned = Date.now();
    const process1 = await run.start();
    const ready = await run.ready(spawned);
    console.log(`npm start (Kafka, PostgreSQL): ready in ${ready.toFixed(1)} s`);
    expect(process1.output()).toContain(`bus: Kafka at ${env.kafkaBrokers.join(',')}`);
    expect(process1.output()).toContain(`database: PostgreSQL at ${new URL(scratch.url).host}`);
    expect(run.key, process1.output()).not.toBe('');

    const incident = await run.storyIncident(STORY.compromised, 90_000);
    console.log(
      `npm start (Kafka, PostgreSQL): cross-stage incident after ${((Date.now() - spawned) / 1000).toFixed(1)} s`,
    );
    expect([...incident.stages].sort()).toEqual(['DATA', 'REPRESENTATIONS', 'SIGNALS']);
    expect(incident.subjects.map(upper).sort()).toEqual(subjectsOf(STORY.compromised));

    // The incident is a row of the scratch database, and its event went out on the shared Kafka.
    dataSource = await createDataSource(scratch.url, { poolSize: 1 }).initialize();
    const rows: { id: string }[] = await dataSource.query(`SELECT id FROM incidents WHERE id = $1`, [
      incident.id,
    ]);
    expect(rows).toEqual([{ id: incident.id }]);
    const keys: { n: number }[] = await dataSource.query(`SELECT count(*)::int AS n FROM api_keys`);
    expect(keys[0].n).toBe(1);
    await expect
      .poll(() => published.some((p) => p.includes(incident.id)), { timeout: 30_000, interval: 500 })
      .toBe(true);

    // The monitors consumed the story from Kafka (their series on the one /metrics).
    const metrics = await run.metrics();
    for (const stage of ['data', 'signals', 'representations'])
      expect(sample(metrics, `damon_monitor_consumed_total{stage="${stage}"}`), stage).toBeGreaterThan(0);
    expect(sample(metrics, 'damon_correlator_batch_seconds_count')).toBeGreaterThan(0);

    expect(await process1.interrupt()).toBe(0);
    expect(process1.output()).toContain('stopped');
  });
});
