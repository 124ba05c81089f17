import { handlerSettings } from '@damon/monitor-testing';
import { encodeVectors, type TrainingSignal } from '@damon/contracts';
import { cusumThresholdForArl, normalGenerator } from '@damon/detectors';
import { describe, expect, it } from 'vitest';
import { excursionPValue, SignalStageHandler } from './signal-stage.handler';

describe('excursionPValue', () => {
  it('at the threshold of ARL A, an excursion of L steps has p = 1 − exp(−L/A)', () => {
    const h = cusumThresholdForArl(100_000, 0.5);
    expect(excursionPValue(h, 15, 1)).toBeCloseTo(-Math.expm1(-15 / 100_000), 12);
  });

  it('keeps falling as the statistic grows, and rises with the steps and streams it could come from', () => {
    const statistics = [5, 10, 20, 40, 80];
    const ps = statistics.map((s) => excursionPValue(s, 10, 5));
    for (let i = 1; i < ps.length; i++) expect(ps[i]).toBeLessThan(ps[i - 1]);
    expect(ps[4]).toBeGreaterThan(0);
    expect(excursionPValue(20, 20, 5)).toBeGreaterThan(excursionPValue(20, 10, 5));
    expect(excursionPValue(20, 10, 5)).toBeGreaterThan(excursionPValue(20, 10, 1));
  });
});

describe('tail p-values on conformal signal detectors', () => {
  const settings = handlerSettings({ referenceSize: 400, windowSize: 500, fusion: 'fisher' });
  const randn = normalGenerator(31);
  const gradient = (step: number, trusted: boolean, away = 0): TrainingSignal => ({
    eventId: `e-${step}`,
    schemaVersion: 1,
    occurredAt: new Date(Date.UTC(2026, 0, 1) + step * 1000).toISOString(),
    subject: { kind: 'run', id: 'run-tail' },
    step,
    trusted,
    kind: 'grad_stats',
    norm: 1,
    direction: encodeVectors(
      Float32Array.from({ length: 8 }, (_, i) => (i === 0 ? 3 - away : i === 1 ? away : 0) + randn()),
      [8],
    ),
  });

  it('a gradient direction past every calibration score carries a tail p below the conformal floor, ranked by distance', () => {
    const handler = new SignalStageHandler();
    const reference = Array.from({ length: 400 }, (_, i) => handler.prepare(gradient(i, true), settings));
    const fitted = handler.load(handler.fit(reference, settings));
    const alertFor = (away: number, step: number) =>
      handler
        .score(handler.prepare(gradient(step, false, away), settings), fitted, settings, {})
        .alerts.find((a) => a.detector === 'gradient-direction')!;
    const near = alertFor(6, 1000);
    const far = alertFor(30, 1001);
    const floor = 1 / (fitted.direction!.calibration.size + 1);
    expect(near.pValue).toBeCloseTo(floor, 12);
    expect(far.pValue).toBeCloseTo(floor, 12);
    expect(near.severityEvidence!.tailPValue!).toBeLessThan(floor);
    expect(far.severityEvidence!.tailPValue!).toBeLessThan(near.severityEvidence!.tailPValue!);
    expect(far.severityEvidence!.tailPValue!).toBeGreaterThan(0);
  });
});
