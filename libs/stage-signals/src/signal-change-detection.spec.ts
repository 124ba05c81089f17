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
