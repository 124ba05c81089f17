import { beforeAll, describe, expect, it } from 'vitest';
import { runPythonReference } from '@damon/testing';
import {
  KnnDetector,
  QuantumEntropyDetector,
  type KnnDetectorJson,
  cauchyCombine,
  concatRows,
  initBackend,
  FactorModel,
  normalGenerator,
  randomUnitVector,
  toRows,
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
