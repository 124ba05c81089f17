import { randomUUID } from 'node:crypto';
import 'reflect-metadata';
import { KafkaBus } from '@damon/bus';
import { encodeVectors, type ActivationBatch } from '@damon/contracts';
import { normalGenerator } from '@damon/detectors';
import { MonitorKitModule, StageMonitorService } from '@damon/monitor-kit';
import {
  createTestDatabase,
  kafkaBus,
  monitorEnv,
  rows,
  servers,
  TopicRecorder,
  waitFor,
  type TestDatabase,
} from '@damon/monitor-testing';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { integerVar, loadConfig } from '@damon/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RepresentationStageHandler } from './representation-stage.handler';

/** A d = 4096 fit takes tens of seconds here without OpenBLAS; the session is the broker's minimum (6 s). */
const DIM = 4096;
const SESSION_MS = 6_000;
const ITEMS = 32;
const REFERENCE_BATCHES = 4;
const SCORED_BATCHES = 3;
/** FIT_TEST_WORKERS=0 fits on the main thread: the test then fails (the member is evicted mid-fit). */
const { FIT_TEST_WORKERS } = loadConfig(
  z.object({ FIT_TEST_WORKERS: integerVar({ min: 0, max: 8, default: 1 }) }),
);

function batch(subjectId: string, trusted: boolean, randn: () => number): ActivationBatch {
  const batchId = randomUUID();
  return {
    eventId: randomUUID(),
    schemaVersion: 1,
    occurredAt: new Date().toISOString(),
    subject: { kind: 'model', id: subjectId },
    batchId,
    trusted,
    items: Array.from({ length: ITEMS }, (_, i) => ({ itemId: `${batchId}-${i}` })),
    layers: [
      {
        name: 'l0',
        dim: DIM,
        vectors: encodeVectors(
          Float32Array.from({ length: ITEMS * DIM }, () => randn()),
          [ITEMS, DIM],
        ),
      },
    ],
  };
}

/**
 * Issue 12's "a fit never costs the group": the representation monitor fits a d = 4096 baseline in
 * its compute worker while its consumer, on a 6 s session, keeps heartbeating. kafkajs's GROUP_JOIN
 * and REBALANCING events (counted in the subscription's health) show one join and no rebalance, and
 * every scored batch comes out once. With MONITOR_WORKERS=0 (the fit on the main thread) the member
 * is evicted mid-fit and joins again.
 */
describe('representation monitor: a long fit keeps the group (real Kafka and PostgreSQL)', () => {
  const subjectId = `fit-${randomUUID()}`;
  const group = `repr-fit-${randomUUID()}`;
  const randn = normalGenerator(4096);
  const publisher = kafkaBus(servers().brokers);
  // The monitor's own bus, on a short session: a blocked event loop for 6 s costs the membership.
  const monitorBus = new KafkaBus({
    brokers: servers().brokers,
    clientId: 'repr-fit-test',
    logger: { warn: () => undefined, error: () => undefined },
    consumer: {
      sessionTimeout: SESSION_MS,
      rebalanceTimeout: 10_000,
      heartbeatInterval: 500,
      maxWaitTimeInMs: 200,
    },
  });
  let db: TestDatabase;
  let app: INestApplication;
  let recorder: TopicRecorder<'damon.scores'>;

  beforeAll(async () => {
    db = await createTestDatabase(servers().databaseUrl);
    const env = monitorEnv({
      KAFKA_BROKERS: servers().brokers,
      DATABASE_URL: db.url,
      MONITOR_GROUP: group,
      MONITOR_REFERENCE_SIZE: String(ITEMS * REFERENCE_BATCHES),
      MONITOR_WORKERS: String(FIT_TEST_WORKERS),
      // The detectors the group must survive: the Gaussian (low rank at this d) and the k-NN.
      MONITOR_DISABLED_DETECTORS: 'oversight-contrast',
      // WebAssembly and JavaScript maths: the fit then lasts several sessions (with OpenBLAS it took
      // about 11 s, under two), so the test's premise does not depend on the host's library.
      MONITOR_BLAS: 'off',
    });
    app = await NestFactory.create(
      MonitorKitModule.forStage({
        handler: () => new RepresentationStageHandler(),
        env,
        shared: { bus: monitorBus, dataSource: db.dataSource },
      }),
      { logger: false },
    );
    await app.init();
    recorder = new TopicRecorder(
      publisher,
      ['damon.scores'],
      (_, value) => value.subject.id === subjectId && value.detector === 'fused-layers',
    );
    await recorder.start();
  });

  afterAll(async () => {
    await recorder?.stop();
    await app?.close();
    await monitorBus.close();
    await publisher.close();
    await db?.drop();
  });

  it('stays in its group through the fit, then scores every batch once', async () => {
    const telemetry = () => monitorBus.health().find((h) => h.group === group)!;
    expect(telemetry()).toMatchObject({ joined: true, groupJoins: 1, rebalances: 0 });
    expect(app.get(StageMonitorService).pool.mode).toBe(FIT_TEST_WORKERS === 0 ? 'inline' : 'worker-threads');

    const reference = Array.from({ length: REFERENCE_BATCHES }, () => batch(subjectId, true, randn));
    const sent = performance.now();
    await publisher.publishMany('damon.telemetry.repr', reference);
    const fitCount = async () =>
      (
        await rows<{ fit_count: number }>(
          db.dataSource,
          'SELECT fit_count FROM monitor_subjects WHERE subject_id = $1',
          [subjectId],
        )
      )[0]?.fit_count ?? 0;
    await waitFor(async () => (await fitCount()) === 1, 170_000, 'the fit', 250);
    const fitSeconds = (performance.now() - sent) / 1000;
    console.info(
      `[fit-membership] reference sent → fitted in ${fitSeconds.toFixed(1)} s (session ${SESSION_MS / 1000} s)`,
    );

    const scored = Array.from({ length: SCORED_BATCHES }, () => batch(subjectId, false, randn));
    await publisher.publishMany('damon.telemetry.repr', scored);
    await waitFor(() => recorder.of('damon.scores').length >= SCORED_BATCHES, 60_000, 'scores');
    await new Promise((r) => setTimeout(r, 1_000)); // anything duplicated would arrive meanwhile

    // The fit outlasted the session several times over, so only heartbeats during it kept the member.
    expect(fitSeconds).toBeGreaterThan(SESSION_MS / 1000);
    expect(telemetry()).toMatchObject({ joined: true, groupJoins: 1, rebalances: 0 });
    expect(telemetry().lastCrash).toBeUndefined();
    const fused = recorder.of('damon.scores');
    const items = fused.flatMap((s) => s.items.map((i) => i.itemId));
    expect(fused).toHaveLength(SCORED_BATCHES);
    expect(new Set(fused.map((s) => s.eventId)).size).toBe(SCORED_BATCHES);
    expect(items.sort()).toEqual(scored.flatMap((b) => b.items.map((i) => i.itemId)).sort());
    expect(await fitCount()).toBe(1);
  });
});
