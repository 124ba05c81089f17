import { describe, expect, it } from 'vitest';
import { normalGenerator } from '../testing/synthetic-data';
import { cusumThresholdForArl } from './cusum-arl';
import { TrendCusumDetector, type TrendCusumJson, type TrendCusumUpdate } from './trend-cusum-detector';

function run(detector: TrendCusumDetector, values: number[], from = 0): TrendCusumUpdate[] {
  return values.map((v, i) => detector.update(v, from + i)).filter((u) => u.alarm);
}

describe('TrendCusumDetector', () => {
  const randn = normalGenerator(5);
  const noisyLine = (n: number, start: number, slope: number) =>
    Array.from({ length: n }, (_, i) => start + slope * i + 0.1 * randn());

  it('takes its threshold from the run length: h for ARL 500,000 by the closed form', () => {
    const detector = TrendCusumDetector.fit(noisyLine(300, 0, 0), { arl: 500_000 });
    expect(detector.threshold).toBeCloseTo(cusumThresholdForArl(500_000, 0.5), 12);
    expect(detector.averageRunLength).toBeCloseTo(500_000, -1);
  });

  it('follows a trend that bends (slope halves twice) without an alarm', () => {
    const reference = noisyLine(300, 0, 0.01);
    const detector = TrendCusumDetector.fit(reference, { arl: 100_000 });
    let level = reference.length * 0.01;
    const values: number[] = [];
    for (let t = 0; t < 6000; t++) {
      level += t < 2000 ? 0.01 : t < 4000 ? 0.005 : 0.0025;
      values.push(level + 0.1 * randn());
    }
    expect(run(detector, values, 300)).toEqual([]);
  });

  it('raises one alarm for one lasting shift, names its start and size, and does not re-alert it', () => {
    const detector = TrendCusumDetector.fit(noisyLine(300, 1, 0), { arl: 100_000, trendRate: 0 });
    const before = noisyLine(1000, 1, 0);
    const after = noisyLine(3000, 1.5, 0); // +5 sd, lasting
    const alarms = run(detector, [...before, ...after], 300);
    expect(alarms).toHaveLength(1);
    expect(alarms[0].direction).toBe('up');
    expect(Math.abs(alarms[0].changeStep! - 1300)).toBeLessThanOrEqual(2);
    expect(alarms[0].step - 1300).toBeLessThan(20);
    expect(alarms[0].magnitude!).toBeGreaterThan(0.3);
    expect(alarms[0].magnitudeSd!).toBeGreaterThan(3);
  });

  it('needs the shift to last: one outlier that lifts the CUSUM over h is not confirmed', () => {
    const fitted = noisyLine(300, 0, 0);
    const detector = TrendCusumDetector.fit(fitted, { arl: 1000, trendRate: 0, clip: 100 });
    const probe = TrendCusumDetector.fit(fitted, { arl: 1000, trendRate: 0, clip: 100 });
    const values = [...noisyLine(100, 0, 0), 5, ...noisyLine(100, 0, 0)];
    expect(Math.max(...values.map((v, i) => probe.update(v, i).statistic))).toBeGreaterThan(probe.threshold);
    expect(run(detector, values)).toEqual([]);
    const lasting = TrendCusumDetector.fit(noisyLine(300, 0, 0), { arl: 1000, trendRate: 0, clip: 100 });
    expect(run(lasting, [...noisyLine(100, 0, 0), ...noisyLine(30, 5, 0)])).toHaveLength(1);
  });

  it('resumes from JSON exactly where it stopped', () => {
    const values = noisyLine(500, 0, 0.002);
    const a = TrendCusumDetector.fit(values.slice(0, 100), { arl: 10_000 });
    const b = TrendCusumDetector.fromJSON(JSON.parse(JSON.stringify(a.toJSON())) as TrendCusumJson);
    for (const v of values.slice(100)) expect(b.update(v)).toEqual(a.update(v));
  });
});

describe('TrendCusumDetector against a target (a budget)', () => {
  const randn = normalGenerator(17);
  const noisy = (n: number, level: (i: number) => number) =>
    Array.from({ length: n }, (_, i) => level(i) + 0.05 * randn());

  it('rising to the target and sitting at it raises nothing; staying above it raises one alarm, then re-arms below', () => {
    const detector = TrendCusumDetector.fit(
      noisy(200, (i) => 0.2 + 0.001 * i),
      { levelRate: 0.05, trendRate: 0.1, target: 1, arl: 100_000 },
    );
    // Rises from 0.4 to the target over 3,000 steps, then sits at it for 20,000.
    const clean = noisy(23_000, (i) => Math.min(1, 0.4 + 0.0002 * i));
    expect(run(detector, clean)).toEqual([]);
    // Jumps to 1.5 for 1,000 steps: one alarm, soon after the jump.
    const over = run(
      detector,
      noisy(1000, () => 1.5),
      23_000,
    );
    expect(over).toHaveLength(1);
    expect(over[0].direction).toBe('up');
    expect(over[0].step - 23_000).toBeLessThan(20);
    expect(over[0].magnitude!).toBeGreaterThan(0);
    // Back under the target (re-armed), then over again: a second alarm for the second breach.
    expect(
      run(
        detector,
        noisy(500, () => 0.8),
        24_000,
      ),
    ).toEqual([]);
    expect(
      run(
        detector,
        noisy(200, () => 1.4),
        24_500,
      ),
    ).toHaveLength(1);
    expect(TrendCusumDetector.fromJSON(detector.toJSON()).averageRunLength).toBeGreaterThan(100_000);
  });
});
