import { beforeAll, describe, expect, it } from 'vitest';
import {
  ConformalCalibrator,
  GaussianDetector,
  KnnDetector,
  QuantumEntropyDetector,
  auroc,
  FusedCalibration,
  batchEvidence,
  cauchyCombine,
  initBackend,
  pooledEvidence,
  weightedFisherCombine,
  weightsFromEvidence,
  queWeights,
  spectralSignature,
  type FusionMethod,
  type KnnDetectorJson,
  type QuantumEntropyJson,
  type Matrix,
} from './index';
import { mulberry32 } from './linalg/top-eigen';
import { FactorModel, concatRows, randomUnitVector, twoModeCloud } from './testing/synthetic-data';

beforeAll(async () => {
  await initBackend(() => undefined);
});

const split = (scores: ArrayLike<number>, clean: number) =>
  [Array.from(scores).slice(0, clean), Array.from(scores).slice(clean)] as const;

describe('tail p-values beyond the calibration floor', () => {
  const calibrator = new ConformalCalibrator().fit(Array.from({ length: 99 }, (_, i) => i));

  it('equal the conformal p-value at the calibration scores, and interpolate between them', () => {
    for (const s of [-1, 0, 50, 98]) expect(calibrator.tailPValue(s)).toBe(calibrator.pValue(s));
    // 50.25 lies a quarter of the way from 50 down to 49: the conformal p-value (50/100) plus 0.75/100.
    expect(calibrator.tailPValue(50.25)).toBeCloseTo(calibrator.pValue(50.25) + 0.75 / 100, 12);
    // Continuous at a calibration score from below, strictly decreasing, never below the conformal value.
    expect(calibrator.tailPValue(49 + 1e-9)).toBeCloseTo(calibrator.pValue(49), 8);
    const grid = Array.from({ length: 398 }, (_, i) => -0.5 + i * 0.2475); // up to 97.76
    grid.reduce((previous, s) => {
      const p = calibrator.tailPValue(s);
      expect(p).toBeGreaterThanOrEqual(calibrator.pValue(s));
      expect(p).toBeLessThanOrEqual(calibrator.pValue(s) + 1 / 100);
      if (s > 0) expect(p).toBeLessThan(previous);
      return p;
    }, Infinity);
  });

  it('of a calibration score held out: the value a new item there gets from the other scores', () => {
    // Without 50, the scores around 50 are 49 and 51; a new item at 50 sits halfway between them.
    const others = new ConformalCalibrator().fit(
      Array.from({ length: 99 }, (_, i) => i).filter((s) => s !== 50),
    );
    expect(calibrator.heldOutTailPValue(50)).toBeCloseTo((49 + 0.5) / 100, 12);
    // The same rank among the 98 others, on the calibrator's (n + 1) scale.
    expect(calibrator.heldOutTailPValue(50) * 100).toBeCloseTo(others.tailPValue(50) * 99, 12);
    expect(calibrator.heldOutTailPValue(98)).toBe(1 / 100);
  });

  it('keep decreasing beyond it (exponential tail, mean excess of the top 10%)', () => {
    // Top 10 scores 89..98 over the 11th (88): mean excess 5.5.
    expect(calibrator.tailPValue(98 + 5.5)).toBeCloseTo(Math.exp(-1) / 100, 12);
    const p = [99, 110, 200, 1000].map((s) => calibrator.tailPValue(s));
    p.reduce(
      (previous, next) => {
        expect(next).toBeLessThan(previous);
        return next;
      },
      1 / 100 + 1e-12,
    );
  });
});

describe('fusion keeps the strongest layer: anomalies living in one layer only', () => {
  // Four layers; the planted items are shifted in one layer only and normal in the other three.
  const d = 24;
  const layers = [0, 1, 2, 3].map((l) => new FactorModel(d, 4, 700 + l));
  const clean = 2000;
  const planted = 100;
  const anomalous = 2;
  const sample = (rows: number, seed: number, shift?: Float32Array) =>
    layers.map((model, l) => model.sample(rows, seed + 10 * l, l === anomalous ? shift : undefined));
  // Built lazily: describe bodies run before the backend is ready.
  let fixture:
    | {
        scores: Float32Array[];
        calibrators: ConformalCalibrator[];
        calScores: Float32Array[];
        single: number;
      }
    | undefined;
  const setup = () => {
    if (fixture) return fixture;
    const fitRows = sample(3000, 710);
    const calRows = sample(1000, 720);
    const test = sample(clean, 730).map((m, l) =>
      concatRows(m, sample(planted, 740, randomUnitVector(d, 750, 2.2))[l]),
    );
    const detectors = fitRows.map((rows) => new GaussianDetector().fit(rows));
    const calScores = detectors.map((g, l) => g.score(calRows[l]));
    const calibrators = calScores.map((s) => new ConformalCalibrator().fit(s));
    const scores = detectors.map((g, l) => g.score(test[l]));
    detectors.forEach((g) => g.dispose());
    fixture = { scores, calibrators, calScores, single: auroc(...split(scores[anomalous], clean)) };
    return fixture;
  };

  const fuse = (method: FusionMethod) => {
    const { scores, calibrators, calScores } = setup();
    return FusedCalibration.fit(calScores, calibrators, method).score(scores, calibrators);
  };

  it.each<FusionMethod>(['adaptive-fisher', 'adaptive-cauchy'])(
    '%s fusion is within 0.01 AUROC of the anomalous layer alone',
    (method) => {
      const { single } = setup();
      const fused = fuse(method).statistic;
      expect(single).toBeGreaterThan(0.9);
      expect(single).toBeLessThan(0.995); // not saturated, so a dilution would show
      expect(auroc(...split(fused, clean))).toBeGreaterThan(single - 0.01);
    },
  );

  it('fixed-weight fusions (Fisher, min-p, Cauchy) fall behind; adaptive weights go to the anomalous layer', () => {
    const { single } = setup();
    const results = Object.fromEntries(
      (['fisher', 'min-p-sidak', 'cauchy'] as const).map((m) => [
        m,
        auroc(...split(fuse(m).statistic, clean)),
      ]),
    );
    const adaptive = Object.fromEntries(
      (['adaptive-fisher', 'adaptive-cauchy'] as const).map((m) => [
        m,
        auroc(...split(fuse(m).statistic, clean)),
      ]),
    );
    console.info(
      `one-layer anomalies: single=${single.toFixed(4)} ${JSON.stringify(results)} adaptive ${JSON.stringify(adaptive)}`,
    );
    for (const value of Object.values(results)) expect(value).toBeLessThan(single - 0.03);
    for (const method of ['adaptive-fisher', 'adaptive-cauchy'] as const)
      expect(fuse(method).weights[anomalous]).toBeGreaterThan(0.9);
  });

  it('adaptive weights stay near equal on a clean batch, and its p-values stay calibrated', () => {
    const { calibrators, calScores } = setup();
    const cleanScores = sample(4000, 760).map((m, l) => {
      const g = new GaussianDetector().fit(sample(3000, 710)[l]);
      const s = g.score(m);
      g.dispose();
      return s;
    });
    const fused = FusedCalibration.fit(calScores, calibrators, 'adaptive-fisher').score(
      cleanScores,
      calibrators,
    );
    for (const w of fused.weights) expect(w).toBeLessThan(0.8);
    const rate = fused.pValue.filter((p) => p <= 0.05).length / fused.pValue.length;
    expect(rate).toBeGreaterThan(0.03);
    expect(rate).toBeLessThan(0.07);
  });
});

describe('fusion weights from evidence, pooled over a stream', () => {
  it('weigh each source by exp(z₊²/2), z = (Σ min(−ln p, ln 10⁶) − n)/√n capped at 5 (closed form)', () => {
    const n = 400;
    const root = Math.sqrt(n);
    const weights = weightsFromEvidence({ logSum: [n + 3 * root, n + 1 * root, n - 2 * root], items: n });
    const raw = [Math.exp(4.5), Math.exp(0.5), 1];
    const total = raw.reduce((a, b) => a + b, 0);
    raw.forEach((r, s) => expect(weights[s]).toBeCloseTo(r / total, 12));
    // Decisive departures (z = 8 and z = 30, beyond 5) share the weight equally; z = 2 keeps e^(2 − 12.5) of it.
    const decisive = weightsFromEvidence({ logSum: [n + 8 * root, n + 30 * root, n + 2 * root], items: n });
    expect(decisive[0]).toBeCloseTo(decisive[1], 12);
    expect(decisive[2] / decisive[0]).toBeCloseTo(Math.exp(2 - 12.5), 12);
    // Too few items (pooled) to tell: equal weights.
    expect(Array.from(weightsFromEvidence({ logSum: [60, 1], items: 10 }))).toEqual([0.5, 0.5]);
    // One item's −ln p counts up to ln 10⁶, so a single extreme p-value cannot outweigh a sub-population.
    expect(batchEvidence([[1e-30, 1, Math.exp(-2)]]).logSum[0]).toBeCloseTo(Math.log(1e6) + 0 + 2, 12);
  });

  it('pool by summing, and refuse parts over different sources', () => {
    const a = { logSum: [10, 20], items: 5 };
    const b = { logSum: [1, 2], items: 3 };
    expect(pooledEvidence([a, undefined, b])).toEqual({ logSum: [11, 22], items: 8 });
    expect(() => pooledEvidence([a, { logSum: [1], items: 1 }])).toThrow(/differ in their sources/);
  });

  it('single out a weakly anomalous source within a few batches, where one batch cannot', () => {
    const uniform = mulberry32(91);
    // Eleven sources, 400 items a batch; in source 3, 20 items have p ~ U(0, 0.05) (a weak excess).
    const batch = () =>
      Array.from({ length: 11 }, (_, s) =>
        Float64Array.from({ length: 400 }, (_, i) => (s === 3 && i < 20 ? 0.05 * uniform() : uniform())),
      );
    const batches = Array.from({ length: 16 }, batch);
    const evidence = batches.map((b) => batchEvidence(b));
    const single = evidence.map((e) => weightsFromEvidence(e)[3]);
    const pooled = weightsFromEvidence(pooledEvidence(evidence));
    // Expected z of one batch: 20·(E[−ln(0.05U)] − 1)/√400 = 20·(ln 20)/20 ≈ 3.0 against ten nulls.
    expect(Math.min(...single)).toBeLessThan(0.9);
    expect(pooled[3]).toBeGreaterThan(0.999);
  });

  it('Fisher with weights is the weighted geometric mean of the p-values, and a lightly weighted source barely moves it', () => {
    const p = [0.02, 0.5, 0.9];
    const w = [0.5, 0.3, 0.2];
    expect(weightedFisherCombine(p, w)).toBeCloseTo(0.02 ** 0.5 * 0.5 ** 0.3 * 0.9 ** 0.2, 12);
    expect(weightedFisherCombine([0.1, 0.4])).toBeCloseTo(Math.sqrt(0.04), 12);
    // The bulk order of the heavily weighted source survives a 1-in-10⁴ p-value of a lightly weighted
    // (noise) source; the Cauchy combination lets the light source's 1/(πp) reverse it.
    const light = [0.999, 0.001];
    const a = [0.3, 0.5];
    const b = [0.35, 1e-4];
    expect(weightedFisherCombine(a, light)).toBeLessThan(weightedFisherCombine(b, light));
    expect(cauchyCombine(a, light)).toBeGreaterThan(cauchyCombine(b, light));
  });
});

describe('k-nearest-neighbour distance', () => {
  it('sees an anomaly between two trusted modes, where one Gaussian ellipsoid cannot', () => {
    const { cloud, bimodal } = twoModeCloud(8, 801, 802);
    const reference = bimodal(2000);
    // Anomalies sit at the overall mean, between the modes: near for Mahalanobis, far from every row.
    const test = concatRows(
      bimodal(1000),
      cloud(100, () => 0),
    );
    const knn = new KnnDetector({ k: 5 }).fit(reference);
    const gaussian = new GaussianDetector().fit(reference);
    expect(auroc(...split(knn.score(test), 1000))).toBeGreaterThan(0.99);
    expect(auroc(...split(gaussian.score(test), 1000))).toBeLessThan(0.6);
    const restored = KnnDetector.fromJSON(JSON.parse(JSON.stringify(knn.toJSON())) as KnnDetectorJson);
    expect(Array.from(restored.score(test).slice(0, 5))).toEqual(Array.from(knn.score(test).slice(0, 5)));
    [knn, gaussian, restored].forEach((x) => x.dispose());
  });

  it('keeps at most maxReference rows, evenly spaced', () => {
    const model = new FactorModel(6, 2, 811);
    const knn = new KnnDetector({ k: 3, maxReference: 100 }).fit(model.sample(1000, 812));
    expect(knn.referenceRows).toBe(100);
    knn.dispose();
  });
});

describe('QUE (quantum-entropy) scoring', () => {
  it('weights interpolate between Mahalanobis (α = 0) and the top direction (large α)', () => {
    const values = Float64Array.from([3, 1.5, 1, 0.5]);
    expect(Array.from(queWeights(values, 0))).toEqual([1, 1, 1, 1]);
    const sharp = queWeights(values, 60);
    expect(sharp[0]).toBeCloseTo(4, 6);
    expect(sharp[1]).toBeLessThan(1e-6);
    expect(Array.from(queWeights(Float64Array.from([0.9, 0.5]), 4))).toEqual([1, 1]);
  });

  it('on a batch with a small poisoned cluster beats Mahalanobis and matches the spectral signature', () => {
    const d = 32;
    const model = new FactorModel(d, 4, 901);
    const reference = model.sample(4000, 902);
    const cleanRows = 970;
    // 3% of the batch, shifted along one direction by less than the clean spread in Mahalanobis units.
    const batch: Matrix = concatRows(
      model.sample(cleanRows, 903),
      model.sample(30, 904, randomUnitVector(d, 905, 2.5)),
    );
    const que = new QuantumEntropyDetector({ alpha: 4 }).fit(reference);
    const gaussian = new GaussianDetector().fit(reference);
    const results = {
      que: auroc(...split(que.score(batch), cleanRows)),
      mahalanobis: auroc(...split(gaussian.score(batch), cleanRows)),
      spectral: auroc(...split(spectralSignature(batch).scores, cleanRows)),
    };
    console.info(
      `poisoned 3%: que=${results.que.toFixed(4)} mahalanobis=${results.mahalanobis.toFixed(4)} spectral=${results.spectral.toFixed(4)}`,
    );
    expect(results.que).toBeGreaterThan(results.mahalanobis + 0.02);
    expect(results.que).toBeGreaterThan(0.95);
    const restored = QuantumEntropyDetector.fromJSON(
      JSON.parse(JSON.stringify(que.toJSON())) as QuantumEntropyJson,
    );
    expect(restored.score(batch)[0]).toBeCloseTo(que.score(batch)[0], 4);
    [que, gaussian, restored].forEach((x) => x.dispose());
  });
});
