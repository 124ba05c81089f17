import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import {
  ConformalCalibrator,
  CusumDetector,
  GaussianDetector,
  LayerPropagationDetector,
  OversightContrastDetector,
  PageHinkleyDetector,
  PcaResidualDetector,
  initBackend,
  sliceRows,
} from './index';
import { FactorModel } from './testing/synthetic-data';

let backend = '';
const logged: string[] = [];
beforeAll(async () => {
  backend = await initBackend((message) => logged.push(message));
});

/** Whether an optional native backend package is installed on this host. */
function installed(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

const roundTrip = <T>(json: T): T => JSON.parse(JSON.stringify(json)) as T;

describe('backend and memory', () => {
  it('chooses tfjs-node when installed, else WebAssembly (never the slow cpu fallback here), and says which', () => {
    const native = installed('@tensorflow/tfjs-node-gpu') || installed('@tensorflow/tfjs-node');
    expect(backend).toBe(native ? 'tensorflow' : 'wasm');
    expect(tf.getBackend()).toBe(backend);
    expect(logged).toEqual([expect.stringMatching(new RegExp(`^detectors: tfjs backend ${backend}\\b`))]);
  });

  it('leaks no tensor over 10,000 scored batches', () => {
    const model = new FactorModel(32, 4, 1);
    const reference = model.sample(1000, 2);
    const gaussian = new GaussianDetector().fit(reference);
    const lowRank = new GaussianDetector({ rank: 4 }).fit(reference);
    const pca = new PcaResidualDetector({ components: 4 }).fit(reference);
    const propagation = new LayerPropagationDetector().fit(reference, reference);
    const batch = model.sample(4, 3);
    gaussian.score(batch); // warm-up allocations
    const before = tf.memory().numTensors;
    for (let i = 0; i < 10_000; i++) {
      switch (i % 4) {
        case 0:
          gaussian.score(batch);
          break;
        case 1:
          lowRank.score(batch);
          break;
        case 2:
          pca.score(batch);
          break;
        default:
          propagation.score(batch, batch);
      }
    }
    expect(tf.memory().numTensors).toBe(before);
    [gaussian, lowRank, pca, propagation].forEach((d) => d.dispose());
    expect(tf.memory().numTensors).toBeLessThan(before);
  });
});

describe('JSON round trips give identical scores', () => {
  const model = new FactorModel(24, 3, 7);
  const reference = model.sample(800, 8);
  const batch = model.sample(50, 9);

  it('Gaussian (full and low-rank), PCA residual, propagation, contrast', () => {
    const gaussian = new GaussianDetector().fit(reference);
    const lowRank = new GaussianDetector({ rank: 3 }).fit(reference);
    expect(gaussian.path).toBe('full');
    expect(lowRank.path).toBe('low-rank');
    const pca = new PcaResidualDetector().fit(reference);
    const propagation = new LayerPropagationDetector().fit(
      sliceRows(reference, 0, 400),
      sliceRows(reference, 400, 800),
    );
    const contrast = new OversightContrastDetector().fit(
      sliceRows(reference, 0, 400),
      sliceRows(reference, 400, 800),
    );
    const half = sliceRows(batch, 0, 25);
    const other = sliceRows(batch, 25, 50);
    expect(GaussianDetector.fromJSON(roundTrip(gaussian.toJSON())).score(batch)).toEqual(
      gaussian.score(batch),
    );
    expect(GaussianDetector.fromJSON(roundTrip(lowRank.toJSON())).score(batch)).toEqual(lowRank.score(batch));
    expect(PcaResidualDetector.fromJSON(roundTrip(pca.toJSON())).score(batch)).toEqual(pca.score(batch));
    expect(LayerPropagationDetector.fromJSON(roundTrip(propagation.toJSON())).score(half, other)).toEqual(
      propagation.score(half, other),
    );
    expect(OversightContrastDetector.fromJSON(roundTrip(contrast.toJSON())).score(half, other)).toEqual(
      contrast.score(half, other),
    );
    expect(() => GaussianDetector.fromJSON({ ...gaussian.toJSON(), formatVersion: 2 as 1 })).toThrow(
      /format version 2/,
    );
  });

  it('stream detectors resume from JSON where they stopped', () => {
    const values = Array.from({ length: 300 }, (_, i) => Math.sin(i) + (i > 200 ? 3 : 0));
    const cusum = new CusumDetector({ warmup: 20 });
    const ph = new PageHinkleyDetector();
    values.slice(0, 100).forEach((v) => {
      cusum.update(v);
      ph.update(v);
    });
    const cusum2 = CusumDetector.fromJSON(roundTrip(cusum.toJSON()));
    const ph2 = PageHinkleyDetector.fromJSON(roundTrip(ph.toJSON()));
    for (const v of values.slice(100)) {
      expect(cusum2.update(v)).toEqual(cusum.update(v));
      expect(ph2.update(v)).toEqual(ph.update(v));
    }
    expect(
      ConformalCalibrator.fromJSON(roundTrip(new ConformalCalibrator().fit([3, 1, 2]).toJSON())).size,
    ).toBe(3);
  });
});
