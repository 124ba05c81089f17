// AUROC of the k-NN, QUE and fused detectors beside scikit-learn / NumPy references on the same data.
import {
  ConformalCalibrator,
  FactorModel,
  FusedCalibration,
  GaussianDetector,
  KnnDetector,
  QuantumEntropyDetector,
  auroc,
  concatRows,
  randomUnitVector,
  toRows,
  twoModeCloud,
} from '@damon/detectors';
import { runPythonReference } from '@damon/testing';

const reference = <T>(input: Record<string, unknown>) =>
  runPythonReference<T>('detectors_reference.py', input);
const split = (scores: ArrayLike<number>, clean: number) =>
  [Array.from(scores).slice(0, clean), Array.from(scores).slice(clean)] as const;

export interface NewDetectorFigures {
  knn: number;
  knnSklearn: number;
  que: number;
  queNumpy: number;
  mahalanobisOnQueBatch: number;
  fused: number;
  bestLayer: number;
}

export function benchNewDetectors(): NewDetectorFigures {
  const d = 32;
  // k-NN: two trusted modes, anomalies between them (where one Gaussian ellipsoid is densest).
  const { mode, cloud, bimodal } = twoModeCloud(d, 11, 12);
  const knnReference = bimodal(4000);
  const knnTest = concatRows(
    bimodal(2000),
    cloud(100, (j) => 0.15 * mode[j]),
  );
  const knn = new KnnDetector({ k: 5, maxReference: 4000 }).fit(knnReference);
  const knnOurs = auroc(...split(knn.score(knnTest), 2000));
  knn.dispose();
  const sk = reference<{ kth: number[] }>({ op: 'knn', X: toRows(knnReference), Y: toRows(knnTest), k: 5 });
  const knnSklearn = auroc(...split(sk.kth, 2000));

  // QUE: a batch with a 3% cluster shifted less than the clean spread.
  const model = new FactorModel(d, 4, 21);
  const queReference = model.sample(4000, 22);
  const batch = concatRows(model.sample(1940, 23), model.sample(60, 24, randomUnitVector(d, 25, 2.5)));
  const que = new QuantumEntropyDetector({ alpha: 4 }).fit(queReference);
  const queOurs = auroc(...split(que.score(batch), 1940));
  que.dispose();
  const np = reference<{ scores: number[] }>({
    op: 'que',
    X: toRows(queReference),
    Y: toRows(batch),
    alpha: 4,
  });
  const queNumpy = auroc(...split(np.scores, 1940));
  const gaussian = new GaussianDetector().fit(queReference);
  const mahalanobis = auroc(...split(gaussian.score(batch), 1940));
  gaussian.dispose();

  // Fusion: four layers, anomalies in one layer only.
  const layers = [0, 1, 2, 3].map((l) => new FactorModel(24, 4, 700 + l));
  const sample = (rows: number, seed: number, shift?: Float32Array) =>
    layers.map((m, l) => m.sample(rows, seed + 10 * l, l === 2 ? shift : undefined));
  const fitRows = sample(3000, 710);
  const calRows = sample(1000, 720);
  const planted = sample(100, 740, randomUnitVector(24, 750, 2.2));
  const test = sample(2000, 730).map((m, l) => concatRows(m, planted[l]));
  const detectors = fitRows.map((rows) => new GaussianDetector().fit(rows));
  const calScores = detectors.map((g, l) => g.score(calRows[l]));
  const calibrators = calScores.map((s) => new ConformalCalibrator().fit(s));
  const scores = detectors.map((g, l) => g.score(test[l]));
  detectors.forEach((g) => g.dispose());
  const fused = FusedCalibration.fit(calScores, calibrators, 'adaptive-fisher').score(scores, calibrators);
  const bestLayer = Math.max(...scores.map((s) => auroc(...split(s, 2000))));
  const figures = {
    knn: knnOurs,
    knnSklearn,
    que: queOurs,
    queNumpy,
    mahalanobisOnQueBatch: mahalanobis,
    fused: auroc(...split(fused.statistic, 2000)),
    bestLayer,
  };
  console.log(
    `new detectors: knn auroc ${figures.knn.toFixed(4)} (sklearn NearestNeighbors ${figures.knnSklearn.toFixed(4)}); ` +
      `que auroc ${figures.que.toFixed(4)} (numpy/scipy expm ${figures.queNumpy.toFixed(4)}, mahalanobis ${figures.mahalanobisOnQueBatch.toFixed(4)}); ` +
      `fused adaptive-fisher ${figures.fused.toFixed(4)} vs best single layer ${figures.bestLayer.toFixed(4)}`,
  );
  return figures;
}
