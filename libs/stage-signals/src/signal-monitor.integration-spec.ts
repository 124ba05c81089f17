import { normalGenerator } from '@damon/detectors';
import { randomUUID } from 'node:crypto';
import { encodeVectors, type StageAlert, type TrainingSignal } from '@damon/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  betaBinomialUpperQuantile,
  createTestDatabase,
  kafkaBus,
  monitorEnv,
  startMonitor,
  TopicRecorder,
  waitFor,
  servers,
  type RunningMonitor,
  type TestDatabase,
} from '@damon/monitor-testing';
import { SignalStageHandler } from './signal-stage.handler';

const REFERENCE = 2000;
const CLEAN = 5000;
const ALPHA = 0.01;
const KINDS = ['reward', 'loss', 'grad_stats', 'kl', 'preference'] as const;

describe('signal monitor (real Kafka and PostgreSQL)', () => {
  const runId = `run-${randomUUID()}`;
  const bus = kafkaBus(servers().brokers);
  const randn = normalGenerator(99);
  let step = 0;
  let db: TestDatabase;
  let monitor: RunningMonitor;
  let recorder: TopicRecorder<'damon.alerts' | 'damon.scores'>;

  /** A clean signal of `kind`; `shift` moves reward by that many sds, `flip` the chance a preference disagrees. */
  function signal(
    kind: (typeof KINDS)[number] | 'param_edit',
    trusted: boolean,
    options: { shift?: number; flip?: number; editScale?: number } = {},
  ): TrainingSignal {
    const base = {
      eventId: randomUUID(),
      schemaVersion: 1 as const,
      occurredAt: new Date().toISOString(),
      subject: { kind: 'run' as const, id: runId },
      step: step++,
      trusted,
    };
    switch (kind) {
      case 'reward': {
        const value = 1 + 0.2 * randn() + 0.2 * (options.shift ?? 0);
        return { ...base, kind, value, referenceValue: value + 0.05 * randn() };
      }
      case 'loss':
        return { ...base, kind, value: 2 + 0.1 * randn() };
      case 'kl':
        return { ...base, kind, value: 0.1 + 0.02 * randn() };
      case 'grad_stats':
        return {
          ...base,
          kind,
          norm: Math.abs(5 + 0.5 * randn()),
          direction: encodeVectors(
            Float32Array.from({ length: 8 }, (_, i) => (i === 0 ? 3 : 0) + randn()),
            [8],
          ),
        };
      case 'preference': {
        const preferred = randn() > 0 ? ('a' as const) : ('b' as const);
        const flipped = (randn() + 3) / 6 < (options.flip ?? 0.1);
        return {
          ...base,
          kind,
          pairId: randomUUID(),
          preferred,
          referencePreferred: flipped ? (preferred === 'a' ? 'b' : 'a') : preferred,
        };
      }
      case 'param_edit': {
        const scale = options.editScale ?? 0.01;
        const a = Float32Array.from({ length: 16 }, () => scale * randn());
        const b = Float32Array.from({ length: 16 }, () => randn());
        return {
          ...base,
          kind,
          target: { kind: 'model', id: 'policy' },
          layer: 'mlp.3',
          factors: { a: encodeVectors(a, [16, 1]), b: encodeVectors(b, [16, 1]) },
        };
      }
    }
  }

  async function publish(signals: TrainingSignal[]): Promise<void> {
    for (let i = 0; i < signals.length; i += 500)
      await bus.publishMany('damon.telemetry.training', signals.slice(i, i + 500));
  }

  beforeAll(async () => {
    db = await createTestDatabase(servers().databaseUrl);
    monitor = await startMonitor(
      () => new SignalStageHandler(),
      monitorEnv({
        KAFKA_BROKERS: servers().brokers,
        DATABASE_URL: db.url,
        MONITOR_GROUP: `signals-test-${randomUUID()}`,
        MONITOR_REFERENCE_SIZE: String(REFERENCE),
        MONITOR_ALPHA: String(ALPHA),
      }),
    );
    recorder = new TopicRecorder(
      bus,
      ['damon.alerts', 'damon.scores'],
      (_t, v) => (v as { subject: { id: string } }).subject.id === runId,
    );
    await recorder.start();
  });

  afterAll(async () => {
    await recorder?.stop();
    await monitor?.close();
    await bus.close();
    await db?.drop();
  });

  it('stays within the calibrated rate on 5,000 clean signals, then flags a reward shift, preference flips and an abnormal edit', async () => {
    const reference = [
      ...Array.from({ length: REFERENCE - 12 }, (_, i) => signal(KINDS[i % KINDS.length], true)),
      ...Array.from({ length: 12 }, () => signal('param_edit', true)),
    ];
    await publish(reference);
    const clean = Array.from({ length: CLEAN }, (_, i) => signal(KINDS[i % KINDS.length], false));
    await publish(clean);
    const scoredSteps = () =>
      new Set(recorder.of('damon.scores').flatMap((s) => s.items.map((i) => i.itemId))).size;
    await waitFor(() => scoredSteps() === CLEAN, 60_000, 'every clean signal scored');
    const alerts = () => recorder.of('damon.alerts');
    const cleanAlerts = new Set(alerts().map((a) => a.alertId)).size;
    const tests = recorder.of('damon.scores').length;
    // One test per score row; each has a conformal calibrator of ≥ 0.3·400 held-out values (streams).
    const bound = betaBinomialUpperQuantile(
      tests,
      ALPHA,
      Math.floor((REFERENCE / KINDS.length) * 0.3),
      0.999,
    );
    console.log(
      `[signals] clean: ${cleanAlerts} alerts over ${tests} scored tests (α=${ALPHA}, bound ${bound}); by detector ${JSON.stringify(countBy(alerts()))}`,
    );
    expect(cleanAlerts).toBeLessThanOrEqual(bound);

    const shiftStart = step;
    const anomalous = [
      ...Array.from({ length: 40 }, () => signal('reward', false, { shift: 3 })),
      ...Array.from({ length: 100 }, () => signal('preference', false, { flip: 0.6 })),
      signal('param_edit', false, { editScale: 5 }),
    ];
    await publish(anomalous);
    const after = (detector: string) =>
      alerts().filter((a) => a.detector === detector && (a.evidence.step as number) >= shiftStart);
    await waitFor(
      () =>
        after('change-point').some((a) => a.evidence.stream === 'reward') &&
        after('preference-flip').length > 0 &&
        after('param-edit').length > 0,
      30_000,
      'alerts on the planted changes',
    ).catch((error: unknown) => {
      console.log(
        JSON.stringify(countBy(alerts().filter((a) => (a.evidence.step as number) >= shiftStart))),
        recorder
          .of('damon.scores')
          .filter((s) => s.detector === 'param-edit')
          .map((s) => s.items),
      );
      throw error;
    });
    const reward = after('change-point').find((a) => a.evidence.stream === 'reward')!;
    expect(reward.evidence.direction).toBe('up');
    // Reward arrives every 5th step: the CUSUM's excursion may start a few noisy values before the shift.
    expect(reward.evidence.changeStep as number).toBeGreaterThanOrEqual(shiftStart - 25);
    // One change, one alert: the stream restarts and re-learns instead of alerting on every shifted value.
    expect(after('change-point')).toHaveLength(1);
    expect((reward.evidence.recent as unknown[]).length).toBeGreaterThan(0);
    expect(reward.pValue).toBeLessThanOrEqual(ALPHA);
    const flips = after('preference-flip')[0];
    expect(flips.evidence.flipRate as number).toBeGreaterThan(flips.evidence.referenceFlipRate as number);
    const edit = after('param-edit')[0];
    expect((edit.evidence.z as { logNorm: number }).logNorm).toBeGreaterThan(3);
  });
});

function countBy(alerts: StageAlert[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const a of alerts) {
    const key = typeof a.evidence.stream === 'string' ? `${a.detector}:${a.evidence.stream}` : a.detector;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
