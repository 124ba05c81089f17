import { randomBytes } from 'node:crypto';
import { databaseUrlVar, kafkaBrokersVar, loadConfig } from '@damon/config';
import type { TrainingSignal } from '@damon/contracts';
import { kafkaBus, TopicRecorder, waitFor } from '@damon/monitor-testing';
import { createDataSource, createScratchDatabase, type ScratchDatabase } from '@damon/persistence';
import {
  pinGroupAtEnds,
  startServiceProcess,
  TrainingRunSimulator,
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
const RUN = `sigrun${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const CLEAN = `${RUN}-clean`;
const HACKED = `${RUN}-hacked`;
const STEPS = 10_000;
const HACKED_STEPS = 3_000;
const HACK_AT = 2_000;
const TRUSTED_STEPS = 500;
// Reward (with its reference reward) and loss each step: two signals per step in the reference.
const KINDS = ['reward', 'loss'] as const;

/** Starts each group where its topics end now: the shared topics' history is not this test's. */
async function pinToEnd(groupId: string, topics: string[]): Promise<void> {
  await pinGroupAtEnds(env.KAFKA_BROKERS, groupId, topics);
}

async function count(ds: DataSource, sql: string, params: unknown[]): Promise<number> {
  const rows: unknown = await ds.query(sql, params);
  return (rows as { n: number }[])[0].n;
}

describe('signal monitor and correlator processes on simulated training runs', () => {
  let scratch: ScratchDatabase;
  let dataSource: DataSource;
  const bus = kafkaBus(env.KAFKA_BROKERS.join(','));
  const children: ServiceProcess[] = [];
  let recorder: TopicRecorder<'damon.alerts' | 'damon.scores'>;

  beforeAll(async () => {
    scratch = await createScratchDatabase(env.DATABASE_URL, 'damon_test_signal_runs');
    dataSource = await createDataSource(scratch.url, { poolSize: 2 }).initialize();
    await dataSource.runMigrations();
    await bus.ensureTopics([
      'damon.telemetry.training',
      'damon.alerts',
      'damon.lineage',
      'damon.incidents',
      'damon.scores',
    ]);
    await pinToEnd(`${RUN}-signals`, ['damon.telemetry.training']);
    await pinToEnd(`${RUN}-correlator`, ['damon.alerts', 'damon.lineage']);
    recorder = new TopicRecorder(bus, ['damon.alerts', 'damon.scores'], (topic, v) => {
      const value = v as { subject: { id: string }; items?: { itemId: string }[] };
      if (!value.subject.id.startsWith(RUN)) return false;
      // Of the scores only the last step's: they say the whole run has been scored (one partition per run).
      return topic === 'damon.alerts' || (value.items ?? []).some((i) => /^step-(9999|2999)$/.test(i.itemId));
    });
    await recorder.start();
    const common = { KAFKA_BROKERS: env.KAFKA_BROKERS.join(','), DATABASE_URL: scratch.url, PORT: '0' };
    children.push(
      startServiceProcess('apps/signal-monitor/src/main.ts', {
        ...common,
        MONITOR_GROUP: `${RUN}-signals`,
        MONITOR_REFERENCE_SIZE: String(TRUSTED_STEPS * KINDS.length),
        MONITOR_ALPHA: '0.01',
      }),
      startServiceProcess('apps/correlator/src/main.ts', {
        ...common,
        CORRELATOR_GROUP: `${RUN}-correlator`,
        GROUP_WAIT_SECONDS: '0',
      }),
    );
  });

  afterAll(async () => {
    for (const c of children) await c.stop().catch(() => c.kill9());
    await recorder?.stop();
    await bus.close();
    await dataSource?.destroy();
    await scratch?.drop();
  });

  it('a clean 10,000-step run raises no alert and opens no incident; a reward hack is one alert, one incident', async () => {
    const runs: TrainingSignal[][] = [
      new TrainingRunSimulator({
        runId: CLEAN,
        seed: 3,
        steps: STEPS,
        trustedSteps: TRUSTED_STEPS,
        kinds: KINDS,
      }).signals(),
      new TrainingRunSimulator({
        runId: HACKED,
        seed: 4,
        steps: HACKED_STEPS,
        trustedSteps: TRUSTED_STEPS,
        hackAt: HACK_AT,
        kinds: KINDS,
      }).signals(),
    ];
    // Interleaved, as two runs' trainers would send them.
    for (let i = 0; i < STEPS * KINDS.length; i += 1000) {
      for (const run of runs)
        if (i < run.length) await bus.publishMany('damon.telemetry.training', run.slice(i, i + 1000));
    }
    const scored = (runId: string) => recorder.of('damon.scores').some((s) => s.subject.id === runId);
    await waitFor(
      () => scored(CLEAN) && scored(HACKED),
      420_000,
      'both runs scored to their last step',
      500,
    ).catch((error: unknown) => {
      console.log(children.map((c) => c.output().slice(-2000)).join('\n---\n'));
      throw error;
    });
    const incidentsOf = (runId: string) =>
      count(
        dataSource,
        `SELECT count(DISTINCT incident_id)::int AS n FROM incident_subjects WHERE subject_id = $1`,
        [runId],
      );
    await waitFor(async () => (await incidentsOf(HACKED)) === 1, 60_000, 'the hacked run’s incident', 250);
    // The correlator having read the alert does not mean this test's own consumer has: wait for it too.
    await waitFor(
      () => recorder.of('damon.alerts').some((a) => a.subject.id === HACKED),
      30_000,
      'the hacked run’s alert on the recorder',
    );

    const alerts = recorder.of('damon.alerts');
    console.log(
      `[signal-runs] alerts: ${JSON.stringify(alerts.map((a) => ({ run: a.subject.id, ...a.evidence, recent: undefined })))}`,
    );
    expect(alerts.filter((a) => a.subject.id === CLEAN)).toEqual([]);
    const hacked = alerts.filter((a) => a.subject.id === HACKED);
    expect(hacked).toHaveLength(1);
    expect(hacked[0].detector).toBe('change-point');
    expect(hacked[0].evidence.confirmedStep as number).toBeGreaterThanOrEqual(HACK_AT);
    expect(hacked[0].evidence.confirmedStep as number).toBeLessThanOrEqual(HACK_AT + 100);
    expect((hacked[0].evidence.streams as { stream: string }[]).map((s) => s.stream)).toContain(
      'reward-disagreement',
    );
    expect(await incidentsOf(CLEAN)).toBe(0);
    expect(
      await count(dataSource, `SELECT count(*)::int AS n FROM alerts WHERE subject_id = $1`, [HACKED]),
    ).toBe(1);
    const [incident] = await dataSource.query<{ severity: number; terms: { evidence: number } }[]>(
      `SELECT i.severity, i.severity_terms AS terms FROM incidents i JOIN incident_subjects s ON s.incident_id = i.id
       WHERE s.subject_id = $1`,
      [HACKED],
    );
    // One alert: its severity is its evidence, the softly bounded −log10 of its closed-form p-value
    // (12·tanh(e/12), libs/correlation severity), which keeps ranking beyond any conformal floor.
    expect(incident.terms.evidence).toBeCloseTo(12 * Math.tanh(-Math.log10(hacked[0].pValue) / 12), 6);
    expect(incident.severity).toBeCloseTo(incident.terms.evidence, 9);
  });
});
