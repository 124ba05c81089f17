import { normalGenerator } from '@damon/detectors';
import { randomUUID } from 'node:crypto';
import { partitionForKey } from '@damon/bus';
import { startServiceProcess, type ServiceProcess } from '@damon/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  kafkaBus,
  monitorEnv,
  startMonitor,
  SyntheticModel,
  TopicRecorder,
  waitFor,
  servers,
  rows,
  type TestDatabase,
} from '@damon/monitor-testing';
import { RepresentationStageHandler } from './representation-stage.handler';

const BATCH = 50;
const MAIN = 'apps/representation-monitor/src/main.ts';

describe('representation monitor recovery (real Kafka and PostgreSQL)', () => {
  const bus = kafkaBus(servers().brokers);
  let db: TestDatabase;
  const processes: ServiceProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(servers().databaseUrl);
  });

  afterAll(async () => {
    for (const p of processes) await p.kill9();
    await bus.close();
    await db?.drop();
  });

  it('after kill -9 mid-stream and a restart, every input is reflected exactly once and nothing is refitted', async () => {
    const subjectId = `model-${randomUUID()}`;
    const group = `repr-kill-${randomUUID()}`;
    const env = {
      KAFKA_BROKERS: servers().brokers,
      DATABASE_URL: db.url,
      PORT: '0',
      LOG_LEVEL: 'info',
      MONITOR_GROUP: group,
      MONITOR_FROM_BEGINNING: 'false',
      MONITOR_REFERENCE_SIZE: '400',
    };
    const model = new SyntheticModel(16, 5);
    const randn = normalGenerator(77);
    const recorder = new TopicRecorder(
      bus,
      ['damon.alerts', 'damon.scores'],
      (_t, v) => (v as { subject: { id: string } }).subject.id === subjectId,
    );
    await recorder.start();

    // The app as it is deployed: its own process, so `kill -9` loses whatever it held in memory.
    const first = startServiceProcess(MAIN, env);
    processes.push(first);
    await first.waitFor(/"msg":"listening"/);
    await bus.publishMany(
      'damon.telemetry.repr',
      Array.from({ length: 8 }, () => model.batch(subjectId, BATCH, randn, { trusted: true })),
    );
    const fitted = async () =>
      (
        await rows<{ fit_count: number; fitted_at: Date }>(
          db.dataSource,
          'SELECT fit_count, fitted_at FROM monitor_subjects WHERE subject_id = $1',
          [subjectId],
        )
      )[0];
    await waitFor(async () => (await fitted())?.fit_count === 1, 60_000, 'the first fit');
    const fittedAt = (await fitted()).fitted_at;

    const planted = new Set([7, 31]);
    const stream = Array.from({ length: 60 }, (_, b) =>
      model.batch(subjectId, BATCH, randn, {
        anomalous: b % 10 === 5 ? planted : undefined,
        prefix: `b${b}`,
      }),
    );
    const processed = async () =>
      (
        await rows<{ n: number }>(
          db.dataSource,
          'SELECT count(*)::int AS n FROM processed_events WHERE consumer_group = $1',
          [group],
        )
      )[0].n;
    // The stream keeps flowing while the monitor is killed: a transaction may be open, its outputs
    // half published, offsets uncommitted.
    const publishing = (async () => {
      for (const batch of stream) {
        await bus.publish('damon.telemetry.repr', batch);
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    await waitFor(async () => (await processed()) >= 8 + 15, 60_000, 'the stream under way', 5);
    await first.kill9();
    const processedAtKill = await processed();
    await publishing;
    expect(processedAtKill).toBeLessThan(8 + 60);

    const second = startServiceProcess(MAIN, env);
    processes.push(second);
    await second.waitFor(/"msg":"listening"/);
    await waitFor(async () => (await processed()) === 8 + 60, 120_000, 'the whole stream after the restart');
    const fusedIds = () =>
      new Set(
        recorder
          .of('damon.scores')
          .filter((s) => s.detector === 'fused-layers')
          .map((s) => s.eventId),
      );
    await waitFor(() => fusedIds().size === 60, 30_000, 'a fused score batch per input');
    const plantedItems = stream.flatMap((_batch, b) =>
      b % 10 === 5 ? [...planted].map((i) => `b${b}-${i}`) : [],
    );
    const alerts = () => recorder.of('damon.alerts');
    await waitFor(
      () => plantedItems.every((id) => alerts().some((a) => a.evidence.itemId === id)),
      30_000,
      'planted alerts',
    );
    // Nest re-raises SIGTERM after its shutdown hooks ran, so the exit is by signal; the log shows the clean stop.
    await second.stop();
    await recorder.stop();

    // Scores: one fused batch per input event, each of its items once, in the set of ids.
    const fused = recorder.of('damon.scores').filter((s) => s.detector === 'fused-layers');
    const byId = new Map(fused.map((s) => [s.eventId, s]));
    expect(byId.size).toBe(60);
    expect(new Set([...byId.values()].flatMap((s) => s.items.map((i) => i.itemId))).size).toBe(60 * BATCH);
    // Alerts: one id per (input, item); a replayed input republishes the same id, never a new one.
    const alertIds = new Map<string, string>();
    for (const a of alerts()) {
      const key = `${a.inputEventIds.join(',')}|${String(a.evidence.itemId)}`;
      expect(alertIds.get(key) ?? a.alertId).toBe(a.alertId);
      alertIds.set(key, a.alertId);
    }
    expect(new Set(alerts().map((a) => a.alertId)).size).toBe(alertIds.size);
    const after = await fitted();
    expect(after).toEqual({ fit_count: 1, fitted_at: fittedAt });
    console.log(
      `[recovery] killed after ${processedAtKill - 8} of 60 stream events; ${fused.length} fused score messages (${fused.length - 60} replayed), ${alerts().length} alert messages, ${alertIds.size} distinct alerts`,
    );
    expect(second.output()).toContain('"msg":"stopped"');
  });

  it('two instances of one monitor split the partitions and together process a stream once', async () => {
    const group = `repr-pair-${randomUUID()}`;
    const env = monitorEnv({
      KAFKA_BROKERS: servers().brokers,
      DATABASE_URL: db.url,
      MONITOR_GROUP: group,
      MONITOR_REFERENCE_SIZE: '100',
    });
    const a = await startMonitor(() => new RepresentationStageHandler(), env);
    const b = await startMonitor(() => new RepresentationStageHandler(), env);
    try {
      await waitFor(
        () =>
          a.service.assignment().length + b.service.assignment().length === 3 &&
          a.service.assignment().length > 0 &&
          b.service.assignment().length > 0,
        60_000,
        'a balanced group',
      );
      const owned = [...a.service.assignment(), ...b.service.assignment()].map((p) => p.partition);
      expect(new Set(owned).size).toBe(owned.length);
      // One subject per partition, so both instances have work.
      const subjects: string[] = [];
      for (let i = 0; subjects.length < 3; i++) {
        const id = `model-${randomUUID()}`;
        if (!subjects.some((s) => partitionForKey(s, 3) === partitionForKey(id, 3))) subjects.push(id);
      }
      const model = new SyntheticModel(8, 9);
      const randn = normalGenerator(5);
      const recorder = new TopicRecorder(bus, ['damon.scores'], (_t, v) => subjects.includes(v.subject.id));
      await recorder.start();
      const events = subjects.flatMap((id) => [
        ...Array.from({ length: 2 }, () => model.batch(id, BATCH, randn, { trusted: true })),
        ...Array.from({ length: 10 }, () => model.batch(id, BATCH, randn)),
      ]);
      await bus.publishMany('damon.telemetry.repr', events);
      const fused = () => recorder.of('damon.scores').filter((s) => s.detector === 'fused-layers');
      await waitFor(
        () => new Set(fused().map((s) => s.eventId)).size === 30,
        60_000,
        'every stream event scored',
      );
      await recorder.stop();
      expect(fused().length).toBe(30);
      const [{ n }] = await rows<{ n: number }>(
        db.dataSource,
        'SELECT count(*)::int AS n FROM processed_events WHERE consumer_group = $1',
        [group],
      );
      expect(n).toBe(36);
      const consumed = async (m: typeof a) => {
        const text = await (await fetch(`${m.url}/metrics`)).text();
        return Number(/damon_monitor_consumed_total\{stage="representations"\} (\d+)/.exec(text)?.[1] ?? 0);
      };
      const [ca, cb] = [await consumed(a), await consumed(b)];
      expect(ca).toBeGreaterThan(0);
      expect(cb).toBeGreaterThan(0);
      expect(ca + cb).toBe(36);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
