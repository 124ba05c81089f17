import { beforeAll, describe, expect, it } from 'vitest';
import { runPythonReference } from '@damon/testing';
import {
  KnnDetector,
  LayerPropagationDetector,
  QuantumEntropyDetector,
  type LayerPropagationDetectorJson,
  type KnnDetectorJson,
  cauchyCombine,
  concatRows,
  initBackend,
  FactorModel,
  normalGenerator,
  randomUnitVector,
  toRows,
  type Matrix,
} from '@damon/detectors';

// Expected numbers come from tools/python/detectors_reference.py (scikit-learn, SciPy, NumPy).
const reference = <T>(input: Record<string, unknown>) =>
  runPythonReference<T>('detectors_reference.py', input);

const worstRelative = (ours: ArrayLike<number>, theirs: number[]) =>
  Math.max(...theirs.map((t, i) => Math.abs(ours[i] - t) / Math.max(Math.abs(t), 1e-12)));

beforeAll(async () => {
  await initBackend(() => undefined);
});

describe('k-nearest-neighbour and QUE scores against scikit-learn / SciPy', () => {
  const model = new FactorModel(24, 4, 11);
  const x = model.sample(600, 12);
  const y = concatRows(model.sample(80, 13), model.sample(20, 14, randomUnitVector(24, 15, 6)));

  it('k-th neighbour distance equals sklearn NearestNeighbors.kneighbors to 1e-3 (k = 1, 5)', () => {
    for (const k of [1, 5]) {
      const ref = reference<{ kth: number[] }>({ op: 'knn', X: toRows(x), Y: toRows(y), k });
      const detector = new KnnDetector({ k, chunkRows: 37 }).fit(x);
      expect(detector.referenceRows).toBe(600);
      expect(worstRelative(detector.score(y), ref.kth)).toBeLessThan(1e-3);
      detector.dispose();
    }
  });

  it('low-rank k-NN (cross term in the top-4 principal subspace) equals NumPy to 1e-3, and differs from exact', () => {
    const k = 5;
    const ref = reference<{ kth: number[] }>({ op: 'knn_low_rank', X: toRows(x), Y: toRows(y), k, rank: 4 });
    const exact = reference<{ kth: number[] }>({ op: 'knn', X: toRows(x), Y: toRows(y), k });
    const detector = new KnnDetector({ k, rank: 4 }).fit(x);
    const restored = KnnDetector.fromJSON(JSON.parse(JSON.stringify(detector.toJSON())) as KnnDetectorJson);
    expect(worstRelative(detector.score(y), ref.kth)).toBeLessThan(1e-3);
    expect(Array.from(restored.score(y))).toEqual(Array.from(detector.score(y)));
    // The dropped residual inner product is not negligible here: the check above could fail.
    expect(worstRelative(Float32Array.from(ref.kth), exact.kth)).toBeGreaterThan(1e-2);
    detector.dispose();
    restored.dispose();
  });

  it('QUE scores equal a NumPy/SciPy expm computation to 1e-3 (α = 0, 4)', () => {
    for (const alpha of [0, 4]) {
      const ref = reference<{ scores: number[] }>({ op: 'que', X: toRows(x), Y: toRows(y), alpha });
      const detector = new QuantumEntropyDetector({ alpha }).fit(x);
      const ours = detector.score(y);
      expect(worstRelative(ours, ref.scores)).toBeLessThan(1e-3);
      detector.dispose();
    }
  });

  it('Cauchy combination equals the closed form in NumPy, tiny p-values included', () => {
    const randn = normalGenerator(21);
    const rows = Array.from({ length: 40 }, (_, i) =>
      Array.from({ length: 5 }, () => Math.min(1 - 1e-9, Math.max(1e-12, Math.abs(randn()) / (3 + i)))),
    );
    rows.push([1e-10, 0.5, 0.9, 0.99, 0.3]);
    const ref = reference<{ combined: number[] }>({ op: 'cauchy', p: rows });
    rows.forEach((row, i) =>
      expect(Math.abs(cauchyCombine(row) - ref.combined[i]) / ref.combined[i]).toBeLessThan(1e-6),
    );
  });
});

describe('layer propagation from a low-rank source against NumPy / scikit-learn', () => {
  const dIn = 24;
  const dOut = 16;
  const model = new FactorModel(dIn, 4, 21);
  const randn = normalGenerator(22);
  const map = Float32Array.from({ length: dIn * dOut }, () => randn() * 0.3);
  /** target = source · map + noise (row-major). */
  const targetOf = (source: Matrix, seed: number): Matrix => {
    const noise = normalGenerator(seed);
    const data = new Float32Array(source.rows * dOut);
    for (let r = 0; r < source.rows; r++)
      for (let o = 0; o < dOut; o++) {
        let v = 0.3 * noise();
        for (let i = 0; i < dIn; i++) v += source.data[r * dIn + i] * map[i * dOut + o];
        data[r * dOut + o] = v;
      }
    return { rows: source.rows, cols: dOut, data };
  };

  it('scores equal a NumPy ridge on the top-4 principal coordinates with a scikit-learn Ledoit-Wolf Mahalanobis to 1e-3, and differ from the exact map', () => {
    const x = model.sample(800, 23);
    const t = targetOf(x, 24);
    const cleanX = model.sample(80, 25);
    // Broken relation: the target of another input.
    const brokenX = model.sample(20, 26);
    const xt = concatRows(cleanX, brokenX);
    const tt = concatRows(targetOf(cleanX, 27), targetOf(model.sample(20, 28), 29));
    const ref = reference<{ scores: number[] }>({
      op: 'propagation_low_rank',
      X: toRows(x),
      T: toRows(t),
      Xt: toRows(xt),
      Tt: toRows(tt),
      rank: 4,
      ridge: 1e-3,
    });
    const detector = new LayerPropagationDetector({ rank: 4 }).fit(x, t);
    const restored = LayerPropagationDetector.fromJSON(
      JSON.parse(JSON.stringify(detector.toJSON())) as LayerPropagationDetectorJson,
    );
    const exact = new LayerPropagationDetector().fit(x, t);
    const scores = detector.score(xt, tt);
    expect(worstRelative(scores, ref.scores)).toBeLessThan(1e-3);
    expect(Array.from(restored.score(xt, tt))).toEqual(Array.from(scores));
    // What the source carries outside its 4 factors is noise the exact map also fits: a check that could fail.
    expect(worstRelative(exact.score(xt, tt), ref.scores)).toBeGreaterThan(1e-2);
    [detector, restored, exact].forEach((d) => d.dispose());
  });
});
