import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import {
  EditAuditor,
  GaussianDetector,
  LayerPropagationDetector,
  OversightContrastDetector,
  PcaResidualDetector,
  auroc,
  initBackend,
  matrix,
  robustCovariance,
  spectralSignature,
  type Matrix,
  type ParameterEdit,
} from './index';
import { FactorModel, concatRows, normalGenerator, randomUnitVector } from './testing/synthetic-data';

beforeAll(async () => {
  await initBackend(() => undefined);
});

const split = (scores: ArrayLike<number>, clean: number) =>
  [Array.from(scores).slice(0, clean), Array.from(scores).slice(clean)] as const;
const report = (scenario: string, results: Record<string, number>) =>
  console.info(
    `${scenario}: ${Object.entries(results)
      .map(([k, v]) => `${k}=${v.toFixed(4)}`)
      .join(' ')}`,
  );

/** Layer l+1 = tanh(x W)·3 + noise: a fixed nonlinear map with a strong linear part. */
function nextLayer(x: Matrix, weights: Float32Array, dOut: number, seed: number): Matrix {
  const randn = normalGenerator(seed);
  const out = tf.tidy(() =>
    tf.tanh(tf.matMul(tf.tensor2d(x.data, [x.rows, x.cols]), tf.tensor2d(weights, [x.cols, dOut]))).mul(3),
  );
  const data = out.dataSync() as Float32Array;
  out.dispose();
  for (let i = 0; i < data.length; i++) data[i] += 0.3 * randn();
  return matrix(x.rows, dOut, data);
}

describe('planted anomalies: each matching detector reaches AUROC > 0.99, the others are reported', () => {
  it('shifted sub-population → Gaussian (Mahalanobis)', () => {
    const model = new FactorModel(48, 6, 101);
    const reference = model.sample(3000, 102);
    const test = concatRows(model.sample(1000, 103), model.sample(200, 104, randomUnitVector(48, 105, 5)));
    const gaussian = new GaussianDetector().fit(reference);
    const lowRank = new GaussianDetector({ rank: 8 }).fit(reference);
    const pca = new PcaResidualDetector({ components: 6 }).fit(reference);
    const results = {
      gaussian: auroc(...split(gaussian.score(test), 1000)),
      gaussianLowRank8: auroc(...split(lowRank.score(test), 1000)),
      pcaResidual: auroc(...split(pca.score(test), 1000)),
      robustCovarianceOnBatch: auroc(...split(robustCovariance(test).distances, 1000)),
      spectralOnBatch: auroc(...split(spectralSignature(test).scores, 1000)),
    };
    report('shifted sub-population', results);
    expect(results.gaussian).toBeGreaterThan(0.99);
    // The shift lies outside the 6 factors: the low-rank and PCA-residual paths see it too.
    expect(results.gaussianLowRank8).toBeGreaterThan(0.99);
    expect(results.pcaResidual).toBeGreaterThan(0.99);
    // One sixth of the batch is shifted: within-batch methods assume a small minority and do worse.
    expect(results.robustCovarianceOnBatch).toBeLessThan(0.8);
    expect(results.spectralOnBatch).toBeLessThan(0.7);
    [gaussian, lowRank, pca].forEach((d) => d.dispose());
  });

  it('broken layer relation → layer propagation', () => {
    const dIn = 32;
    const dOut = 24;
    const model = new FactorModel(dIn, 5, 201);
    const randn = normalGenerator(202);
    const weights = Float32Array.from({ length: dIn * dOut }, () => randn() * 0.05);
    const refX = model.sample(3000, 203);
    const refY = nextLayer(refX, weights, dOut, 204);
    const cleanX = model.sample(1000, 205);
    const cleanY = nextLayer(cleanX, weights, dOut, 206);
    // Anomalies: layer l+1 is a perfectly normal activation, but for a different input than layer l.
    const anomX = model.sample(200, 207);
    const anomY = nextLayer(model.sample(200, 208), weights, dOut, 209);
    const testX = concatRows(cleanX, anomX);
    const testY = concatRows(cleanY, anomY);
    const propagation = new LayerPropagationDetector().fit(refX, refY);
    // The map from the source's top 8 principal directions (the 5 factors and some noise).
    const lowRank = new LayerPropagationDetector({ rank: 8 }).fit(refX, refY);
    const gaussianX = new GaussianDetector().fit(refX);
    const gaussianY = new GaussianDetector().fit(refY);
    const results = {
      layerPropagation: auroc(...split(propagation.score(testX, testY), 1000)),
      layerPropagationRank8: auroc(...split(lowRank.score(testX, testY), 1000)),
      gaussianLayerL: auroc(...split(gaussianX.score(testX), 1000)),
      gaussianLayerL1: auroc(...split(gaussianY.score(testY), 1000)),
    };
    report('broken layer relation', results);
    expect(results.layerPropagation).toBeGreaterThan(0.99);
    expect(results.layerPropagationRank8).toBeGreaterThan(0.99);
    // Each layer alone is a normal activation: per-layer Gaussians are at chance.
    expect(Math.abs(results.gaussianLayerL - 0.5)).toBeLessThan(0.06);
    expect(Math.abs(results.gaussianLayerL1 - 0.5)).toBeLessThan(0.06);
    [propagation, lowRank, gaussianX, gaussianY].forEach((d) => d.dispose());
  });

  it('contrast-sensitive pairs → oversight-cue contrast', () => {
    const d = 40;
    const model = new FactorModel(d, 6, 301);
    const framing = randomUnitVector(d, 302, 1);
    const pairs = (rows: number, seed: number, sensitive: boolean) => {
      const unobserved = model.sample(rows, seed);
      const randn = normalGenerator(seed + 1);
      const direction = randomUnitVector(d, 303, 1.5);
      const observed = matrix(
        rows,
        d,
        unobserved.data.map(
          (v, i) => v + framing[i % d] + 0.2 * randn() + (sensitive ? direction[i % d] : 0),
        ),
      );
      return { observed, unobserved };
    };
    const ref = pairs(3000, 310, false);
    const clean = pairs(1000, 320, false);
    const sensitive = pairs(200, 330, true);
    const obs = concatRows(clean.observed, sensitive.observed);
    const unobs = concatRows(clean.unobserved, sensitive.unobserved);
    const contrast = new OversightContrastDetector().fit(ref.observed, ref.unobserved);
    const gaussianObserved = new GaussianDetector().fit(ref.observed);
    const results = {
      contrast: auroc(...split(contrast.score(obs, unobs), 1000)),
      gaussianObserved: auroc(...split(gaussianObserved.score(obs), 1000)),
    };
    report('contrast-sensitive pairs', results);
    expect(results.contrast).toBeGreaterThan(0.99);
    // One view alone carries only a weak trace of the sensitivity.
    expect(results.gaussianObserved).toBeLessThan(0.75);
    contrast.dispose();
    gaussianObserved.dispose();
  });

  it('poisoned sub-population in one batch → spectral signature and robust covariance, with the fraction', () => {
    // Whitened embeddings (isotropic): spectral signatures need the poison to dominate the top direction.
    const model = new FactorModel(32, 0, 401, 1);
    const poisoned = 50;
    const batch = concatRows(
      model.sample(950, 402),
      model.sample(poisoned, 403, randomUnitVector(32, 404, 6)),
    );
    const spectral = spectralSignature(batch);
    // Correlated activations: the top directions are real factors, where robust covariance is the tool.
    const correlated = new FactorModel(32, 4, 406);
    const robust = robustCovariance(
      concatRows(correlated.sample(950, 407), correlated.sample(poisoned, 408, randomUnitVector(32, 409, 4))),
    );
    const results = {
      spectral: auroc(...split(spectral.scores, 950)),
      robustOnIsotropic: auroc(...split(robustCovariance(batch).distances, 950)),
      robustCovariance: auroc(...split(robust.distances, 950)),
      spectralFraction: spectral.estimatedFraction,
      robustFraction: robust.estimatedFraction,
    };
    report('poisoned batch (true fraction 0.05)', results);
    expect(results.spectral).toBeGreaterThan(0.99);
    expect(results.robustCovariance).toBeGreaterThan(0.99);
    expect(results.robustOnIsotropic).toBeGreaterThan(0.95);
    expect(spectral.estimatedFraction).toBeGreaterThan(0.03);
    expect(spectral.estimatedFraction).toBeLessThan(0.08);
    expect(robust.estimatedFraction).toBeGreaterThan(0.03);
    expect(robust.estimatedFraction).toBeLessThan(0.08);
    const clean = spectralSignature(model.sample(1000, 405));
    expect(clean.estimatedFraction).toBeLessThan(0.01);
  });

  it('edit audit: abnormal norm, rank and locality score above every trusted edit', () => {
    const randn = normalGenerator(501);
    const lowRank = (rows: number, cols: number, rank: number, scale: number) => {
      const a = Float32Array.from({ length: rows * rank }, () => randn());
      const b = Float32Array.from({ length: rank * cols }, () => randn());
      const data = new Float32Array(rows * cols);
      for (let i = 0; i < rows; i++)
        for (let j = 0; j < cols; j++)
          for (let r = 0; r < rank; r++)
            data[i * cols + j] += (a[i * rank + r] * b[r * cols + j] * scale) / Math.sqrt(rank * cols);
      return matrix(rows, cols, data);
    };
    const trusted: ParameterEdit[] = Array.from({ length: 30 }, () => ({
      layers: [{ layer: 'l3.mlp', delta: lowRank(32, 48, 2, 1 + 0.2 * randn()) }],
    }));
    const auditor = new EditAuditor().fit(trusted);
    const trustedScores = trusted.map((e) => auditor.audit(e).score);
    const suspicious: Record<string, ParameterEdit> = {
      large: { layers: [{ layer: 'l3.mlp', delta: lowRank(32, 48, 2, 10) }] },
      highRank: { layers: [{ layer: 'l3.mlp', delta: lowRank(32, 48, 24, 1) }] },
      spread: {
        layers: ['l3.mlp', 'l7.mlp', 'l9.attn'].map((layer) => ({ layer, delta: lowRank(32, 48, 2, 0.6) })),
      },
    };
    const scores = Object.fromEntries(
      Object.entries(suspicious).map(([k, e]) => [k, auditor.audit(e).score]),
    );
    report('edit audit (max trusted score ' + Math.max(...trustedScores).toFixed(2) + ')', scores);
    Object.values(scores).forEach((s) => expect(s).toBeGreaterThan(Math.max(...trustedScores)));
    expect(auditor.audit(suspicious.highRank).features.effectiveRank).toBeGreaterThan(10);
    expect(auditor.audit(suspicious.spread).unseenLayers).toEqual(['l7.mlp', 'l9.attn']);
    expect(EditAuditor.fromJSON(auditor.toJSON()).audit(suspicious.large).score).toBeCloseTo(scores.large);
  });
});
