import { beforeAll, describe, expect, it } from 'vitest';
import {
  BocpdDetector,
  ConformalCalibrator,
  CusumDetector,
  GaussianDetector,
  PageHinkleyDetector,
  initBackend,
  minPSidak,
} from './index';
import { FactorModel, normalGenerator } from './testing/synthetic-data';

beforeAll(async () => {
  await initBackend(() => undefined);
});

describe('split-conformal calibration', () => {
  it('keeps the empirical false-positive rate at α = 0.01 within [0.005, 0.02] on 20,000 clean samples', () => {
    const model = new FactorModel(32, 4, 21);
    const detector = new GaussianDetector().fit(model.sample(3000, 22));
    const calibrator = new ConformalCalibrator().fit(detector.score(model.sample(2000, 23)));
    const clean = detector.score(model.sample(20_000, 24));
    const pValues = calibrator.pValues(clean);
    const fpr = pValues.filter((p) => p <= 0.01).length / clean.length;
    const threshold = calibrator.threshold(0.01);
    const fprByThreshold = clean.filter((s) => s > threshold).length / clean.length;
    console.info(
      `conformal: FPR at α=0.01 = ${fpr.toFixed(4)} (threshold rule ${fprByThreshold.toFixed(4)})`,
    );
    expect(fpr).toBeGreaterThanOrEqual(0.005);
    expect(fpr).toBeLessThanOrEqual(0.02);
    expect(fprByThreshold).toBe(fpr);
    detector.dispose();
  });

  it('gives super-uniform p-values and a JSON round trip', () => {
    const calibrator = new ConformalCalibrator().fit([1, 2, 3, 4]);
    expect(calibrator.pValue(10)).toBeCloseTo(1 / 5);
    expect(calibrator.pValue(0)).toBe(1);
    expect(calibrator.threshold(0.01)).toBe(Infinity); // 4 scores cannot certify α = 0.01
    expect(ConformalCalibrator.fromJSON(calibrator.toJSON()).pValue(3)).toBeCloseTo(calibrator.pValue(3));
    expect(minPSidak([0.01, 0.5, 0.9])).toBeCloseTo(1 - 0.99 ** 3, 12);
  });
});

describe('stream change points', () => {
  const stream = (clean: number, shifted: number, shift: number, seed: number) => {
    const randn = normalGenerator(seed);
    return Array.from({ length: clean + shifted }, (_, i) => randn() + (i >= clean ? shift : 0));
  };

  it('BOCPD: no false change point on 5,000 clean steps', () => {
    const detector = new BocpdDetector();
    const alarms = stream(5000, 0, 0, 31)
      .map((x) => detector.update(x))
      .filter((u) => u.alarm);
    expect(alarms).toEqual([]);
  });

  it('BOCPD: finds a planted mean shift within 20 steps, with its posterior', () => {
    for (const seed of [41, 42, 43]) {
      const detector = new BocpdDetector();
      const updates = stream(1000, 200, 2, seed).map((x) => detector.update(x));
      const alarms = updates.filter((u) => u.alarm);
      expect(alarms.length).toBeGreaterThanOrEqual(1);
      const first = alarms[0];
      console.info(
        `bocpd seed ${seed}: alarm at ${first.step}, change step ${first.changeStep}, posterior ${first.posterior?.toFixed(3)}`,
      );
      expect(first.step).toBeGreaterThanOrEqual(1000);
      expect(first.step - 1000).toBeLessThanOrEqual(20);
      expect(Math.abs(first.changeStep! - 1000)).toBeLessThanOrEqual(3);
      expect(first.posterior).toBeGreaterThan(0.99);
      expect(
        BocpdDetector.fromJSON(
          JSON.parse(JSON.stringify(detector.toJSON())) as ReturnType<BocpdDetector['toJSON']>,
        ).runLengthPosterior,
      ).toEqual(detector.runLengthPosterior);
    }
  });

  it('CUSUM and Page–Hinkley flag the same shift and stay quiet before it', () => {
    const values = stream(1000, 200, 2, 51);
    const cusum = new CusumDetector({ mean: 0, sd: 1, h: 8 });
    const ph = new PageHinkleyDetector({ delta: 0.5, lambda: 25 });
    const firstAlarm = (update: (x: number) => { alarm: boolean; step: number; changeStep?: number }) =>
      values.map(update).find((u) => u.alarm);
    const c = firstAlarm((x) => cusum.update(x));
    const p = firstAlarm((x) => ph.update(x));
    console.info(
      `cusum alarm ${c?.step} (change ${c?.changeStep}); page-hinkley alarm ${p?.step} (change ${p?.changeStep})`,
    );
    for (const a of [c, p]) {
      expect(a!.step).toBeGreaterThanOrEqual(1000);
      expect(a!.step - 1000).toBeLessThanOrEqual(20);
      expect(Math.abs(a!.changeStep! - 1000)).toBeLessThanOrEqual(5);
    }
  });
});
