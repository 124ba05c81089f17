/**
 * npm run bench:correlator
 *
 * Pushes StageAlerts through the real broker and database: lineage for CHAINS dataset → run →
 * model chains, then ALERTS alerts on their subjects, consumed by the correlator in batch mode (one
 * transaction per fetched batch) into a scratch database. Uses KAFKA_BROKERS / DATABASE_URL when set,
 * else starts both through infra/. Last line: `correlator: alerts_per_s=<n>`.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { KafkaBus, SILENT_LOGGER } from '@damon/bus';
import { databaseUrlVar, integerVar, kafkaBrokersVar, loadConfig } from '@damon/config';
import type { LineageEdge, StageAlert } from '@damon/contracts';
import {
  AlertsConsumer,
  CorrelationEngine,
  CorrelationService,
  CorrelationStore,
  DEFAULT_CORRELATION_SETTINGS,
  IncidentOutboxPublisher,
  systemClock,
  type CorrelationSettings,
} from '@damon/correlation';
import { createDataSource, createScratchDatabase } from '@damon/persistence';
import { ensureKafka, ensurePostgres, lineageChain, stageAlertAt, type ChainArtifact } from '@damon/testing';
import { Kafka, logLevel } from 'kafkajs';
import { z } from 'zod';

const config = loadConfig(
  z.object({
    KAFKA_BROKERS: kafkaBrokersVar(),
    DATABASE_URL: databaseUrlVar(),
    BENCH_ALERTS: integerVar({ min: 1_000, max: 10_000_000, default: 60_000 }),
    BENCH_CHAINS: integerVar({ min: 1, max: 1_000_000, default: 2_000 }),
  }),
);

const RUN = `bench${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
function workload(chains: number, count: number): { edges: LineageEdge[]; alerts: StageAlert[] } {
  const t0 = Date.now();
  const at = new Date(t0).toISOString();
  const edges: LineageEdge[] = [];
  const subjects: ChainArtifact[] = [];
  for (let c = 0; c < chains; c++) {
    const chain = lineageChain(RUN, c, at);
    subjects.push(chain.dataset, chain.run, chain.model);
    edges.push(...chain.edges);
  }
  const alerts: StageAlert[] = [];
  for (let i = 0; i < count; i++) {
    // Within 30 minutes of each other: every chain's alerts fuse into one incident.
    alerts.push(
      stageAlertAt(`${RUN}-a${i}`, subjects[(i * 7919) % subjects.length], t0 + (i % 1_800) * 1_000, {
        detector: `detector-${i % 5}`,
        score: 4,
        pValue: 10 ** -(2 + (i % 7)),
        evidence: { statistic: i % 97 },
      }),
    );
  }
  return { edges, alerts };
}

async function main(): Promise<void> {
  const kafka = config.KAFKA_BROKERS ? undefined : ensureKafka();
  const postgres = config.DATABASE_URL ? undefined : ensurePostgres();
  const brokers = config.KAFKA_BROKERS ?? kafka!.url.split(',');
  const serverUrl = config.DATABASE_URL ?? postgres!.url;
  const scratch = await createScratchDatabase(serverUrl, 'damon_bench_correlator');
  const dataSource = await createDataSource(scratch.url, { poolSize: 4 }).initialize();
  const bus = new KafkaBus({
    brokers,
    clientId: 'bench-correlator',
    logger: SILENT_LOGGER,
    consumer: { maxBytesPerPartition: 4 * 1024 * 1024, maxWaitTimeInMs: 100 },
  });
  const admin = new Kafka({
    brokers,
    clientId: 'bench-correlator-admin',
    logLevel: logLevel.NOTHING,
  }).admin();
  try {
    await dataSource.runMigrations();
    await bus.ensureTopics(['damon.alerts', 'damon.lineage', 'damon.incidents']);
    const group = `${RUN}-correlator`;
    // The topics are shared with tests and earlier runs: start this group at their current end.
    await admin.connect();
    for (const topic of ['damon.alerts', 'damon.lineage']) {
      const offsets = await admin.fetchTopicOffsets(topic);
      await admin.setOffsets({
        groupId: group,
        topic,
        partitions: offsets.map((o) => ({ partition: o.partition, offset: o.high })),
      });
    }

    const { edges, alerts } = workload(config.BENCH_CHAINS, config.BENCH_ALERTS);
    const produceStart = performance.now();
    for (let i = 0; i < edges.length; i += 2_000)
      await bus.publishMany('damon.lineage', edges.slice(i, i + 2_000));
    for (let i = 0; i < alerts.length; i += 2_000)
      await bus.publishMany('damon.alerts', alerts.slice(i, i + 2_000));
    console.log(
      `produced ${edges.length} lineage edges and ${alerts.length} alerts in ${((performance.now() - produceStart) / 1000).toFixed(1)} s`,
    );

    const settings: CorrelationSettings = { ...DEFAULT_CORRELATION_SETTINGS, group };
    const publisher = new IncidentOutboxPublisher(dataSource, bus);
    const service = new CorrelationService(
      dataSource,
      settings,
      systemClock,
      publisher,
      new CorrelationEngine(settings),
      new CorrelationStore(),
    );
    const consumer = new AlertsConsumer(bus, settings, service);
    const recorded = async (): Promise<number> => {
      const rows: unknown = await dataSource.query(`SELECT count(*)::int AS n FROM alerts`);
      return (rows as { n: number }[])[0].n;
    };
    const linked = async (): Promise<number> => {
      const rows: unknown = await dataSource.query(`SELECT count(*)::int AS n FROM lineage_edges`);
      return (rows as { n: number }[])[0].n;
    };
    const subscribed = performance.now();
    await consumer.onApplicationBootstrap();
    let first = 0;
    let firstCount = 0;
    for (;;) {
      const n = await recorded();
      if (n > 0 && first === 0) {
        first = performance.now();
        firstCount = n;
      }
      if (n >= alerts.length && (await linked()) >= edges.length) break;
      if (performance.now() - subscribed > 600_000)
        throw new Error(`only ${n} of ${alerts.length} alerts after 10 minutes`);
      await new Promise((r) => setTimeout(r, 25));
    }
    const done = performance.now();
    await consumer.beforeApplicationShutdown();
    const stats: unknown = await dataSource.query(
      `SELECT (SELECT count(*)::int FROM incidents WHERE status = 'open') AS open, (SELECT count(*)::int FROM incidents WHERE status = 'merged') AS merged`,
    );
    const { open, merged } = (stats as { open: number; merged: number }[])[0];
    const seconds = (done - first) / 1000;
    console.log(
      `consumed ${alerts.length} alerts into ${open} open incidents (${merged} merged away) in ${seconds.toFixed(2)} s after the first commit, lineage included ` +
        `(${((done - subscribed) / 1000).toFixed(2)} s including the group join)`,
    );
    console.log(`correlator: alerts_per_s=${Math.round((alerts.length - firstCount) / seconds)}`);
  } finally {
    await admin.disconnect().catch(() => undefined);
    await bus.close();
    await dataSource.destroy();
    await scratch.drop();
    kafka?.stop();
    postgres?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
