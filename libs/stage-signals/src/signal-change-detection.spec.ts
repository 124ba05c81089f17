import type { TrainingSignal } from '@damon/contracts';
import type { DetectorState, MonitorSettingsValues, StreamState } from '@damon/monitor-kit';
import { describe, expect, it } from 'vitest';
import { SignalStageHandler } from './signal-stage.handler';
import { TrainingRunSimulator } from '@damon/testing';

const SETTINGS: MonitorSettingsValues = {
  alpha: 0.01,
  referenceSize: 2000,
  calibrationFraction: 0.3,
  referenceMode: 'trusted',
  maxBatchItems: 10_000,
  windowSize: 500,
  fusion: 'fisher',
  detectors: {},
};
const STEPS = 10_000;
const TRUSTED_STEPS = 500;

/** Fits the handler on the trusted steps, as the monitor does, and scores the rest; returns its alerts. */
function monitorRun(signals: TrainingSignal[]) {
  const handler = new SignalStageHandler();
  const prepared = signals.map((s) => handler.prepare(s, SETTINGS));
  const reference = prepared.filter((p) => p.signal.trusted);
  const fitted = handler.load(
    JSON.parse(JSON.stringify(handler.fit(reference, SETTINGS))) as Record<string, DetectorState>,
  );
  const memory: StreamState = {};
  const alerts = [];
  for (const p of prepared) {
    if (p.signal.trusted) continue;
    const outcome = handler.score(p, fitted, SETTINGS, memory);
    alerts.push(...outcome.alerts);
  }
  return alerts;
}

describe('change detection on simulated training runs', () => {
  it('raises no alert on ten clean 10,000-step runs (schedules, warm-up, heteroscedastic noise)', () => {
    const counts: number[] = [];
    for (let seed = 1; seed <= 10; seed++) {
      const run = new TrainingRunSimulator({
        runId: `clean-${seed}`,
        seed,
        steps: STEPS,
        trustedSteps: TRUSTED_STEPS,
      });
      const alerts = monitorRun(run.signals());
      if (alerts.length > 0)
        console.log(`[clean ${seed}]`, JSON.stringify(alerts.map((a) => a.evidence.streams)));
      counts.push(alerts.length);
    }
    expect(counts).toEqual(new Array(10).fill(0));
  });

  it('alerts a planted reward hack within 100 steps, as exactly one alert naming the streams', () => {
    for (const seed of [21, 22, 23]) {
      const hackAt = 6000 + 100 * seed;
      const run = new TrainingRunSimulator({
        runId: `hack-${seed}`,
        seed,
        steps: STEPS,
        trustedSteps: TRUSTED_STEPS,
        hackAt,
      });
      const alerts = monitorRun(run.signals());
      console.log(
        `[hack ${seed}]`,
        JSON.stringify(alerts.map((a) => ({ ...a.evidence, recent: undefined }))),
      );
      expect(alerts).toHaveLength(1);
      const evidence = alerts[0].evidence;
      expect(evidence.confirmedStep as number).toBeGreaterThanOrEqual(hackAt);
      expect(evidence.confirmedStep as number).toBeLessThanOrEqual(hackAt + 100);
      expect(Math.abs((evidence.changeStep as number) - hackAt)).toBeLessThanOrEqual(20);
      expect(evidence.direction).toBe('up');
      const streams = (evidence.streams as { stream: string }[]).map((s) => s.stream);
      expect(streams).toContain('reward-disagreement');
      expect(alerts[0].pValue).toBeLessThan(1e-3);
    }
  });
});

describe('KL against its budget', () => {
  const onBudget = (alerts: ReturnType<typeof monitorRun>) =>
    alerts.filter((a) => (a.evidence.streams as { stream: string }[]).some((s) => s.stream === 'kl-budget'));

  it('raises nothing on ten clean runs whose KL rises to its budget and is held there, or stays under it', () => {
    const counts: number[] = [];
    for (let seed = 31; seed <= 40; seed++) {
      const run = new TrainingRunSimulator({
        runId: `kl-clean-${seed}`,
        seed,
        steps: STEPS,
        trustedSteps: TRUSTED_STEPS,
        // Even seeds: a KL controller holds the KL at its budget (70% of the free plateau) once it is
        // reached; odd: the budget is 30% above the plateau.
        klBudget: seed % 2 === 0 ? 0.7 : 1.3,
      });
      const signals = run.signals();
      if (seed % 2 === 0) {
        // The held runs really sit at the budget: a good share of their last 2,000 KL values lie above it.
        const late = signals.filter((s) => s.kind === 'kl' && s.step >= STEPS - 2000);
        const above = late.filter((s) => s.kind === 'kl' && s.value > s.budget!).length / late.length;
        expect(above).toBeGreaterThan(0.3);
      }
      const alerts = monitorRun(signals);
      if (alerts.length > 0)
        console.log(`[kl clean ${seed}]`, JSON.stringify(alerts.map((a) => a.evidence.streams)));
      counts.push(onBudget(alerts).length);
    }
    expect(counts).toEqual(new Array(10).fill(0));
  }, 180_000);

  it('a run that blows through its budget gives one alert within 100 steps; a slow breach only kl-budget sees', () => {
    for (const [seed, ramp] of [
      [41, 20],
      [42, 20],
      [43, 1000],
      [44, 1000],
    ] as const) {
      const breachAt = 7000;
      const run = new TrainingRunSimulator({
        runId: `kl-breach-${seed}`,
        seed,
        steps: STEPS,
        trustedSteps: TRUSTED_STEPS,
        klBudget: 1.1,
        klBreachAt: breachAt,
        klBreachRamp: ramp,
      });
      const signals = run.signals();
      const all = monitorRun(signals);
      console.log(
        `[kl breach ${seed}, ramp ${ramp}]`,
        JSON.stringify(all.map((a) => ({ ...a.evidence, recent: undefined }))),
      );
      // One change, one alert in the whole run (the KL's own stream joins it or stays quiet).
      expect(all).toHaveLength(1);
      // An abrupt breach is first a jump of the KL's own stream, which takes kl-budget into the same
      // alert; a slow one is followed by the KL's trend model and only the budget relation raises it.
      const alerts = ramp >= 1000 ? onBudget(all) : all;
      expect(alerts).toHaveLength(1);
      expect(alerts[0].evidence.budget).toBeGreaterThan(0);
      // Within 100 steps of the KL going over its budget: the first step where the mean of its last
      // 25 values is above the budget (one noisy value above it is not the breach of a slow ramp).
      const kls = signals.filter((s) => s.kind === 'kl');
      const over = kls.find(
        (s, i) =>
          s.step >= breachAt &&
          i >= 25 &&
          kls.slice(i - 24, i + 1).reduce((a, x) => a + x.value, 0) / 25 > s.budget!,
      )!.step;
      const confirmed = alerts[0].evidence.confirmedStep as number;
      expect(confirmed).toBeGreaterThanOrEqual(breachAt);
      expect(confirmed - over).toBeLessThanOrEqual(100);
      expect(alerts[0].evidence.direction).toBe('up');
      expect(alerts[0].pValue).toBeLessThan(1e-3);
    }
  }, 180_000);
});
