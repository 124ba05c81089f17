import { beforeAll, describe, expect, it } from 'vitest';
import { runPythonReference } from '@damon/testing';
import {
  FactorModel,
  LogisticProbe,
  concatRows,
  crossValidateProbe,
  initBackend,
  randomUnitVector,
  stratifiedFolds,
  toRows,
} from '@damon/detectors';

// Expected numbers come from tools/python/probe_reference.py (scikit-learn's LogisticRegression).
interface Reference {
  coef: number[];
  intercept: number;
  probaNew: number[];
  cvAuroc: number;
  foldAurocs: number[];
  ourFoldAurocs: number[];
}

beforeAll(async () => {
  await initBackend(() => undefined);
});

function planted(dim: number, negatives: number, positives: number, shift: number, seed: number) {
  const model = new FactorModel(dim, 3, seed);
  const x = concatRows(
    model.sample(negatives, seed + 1),
    model.sample(positives, seed + 2, randomUnitVector(dim, seed + 3, shift)),
  );
  const labels = [...Array<number>(negatives).fill(0), ...Array<number>(positives).fill(1)];
  const fresh = concatRows(
    model.sample(10, seed + 4),
    model.sample(10, seed + 5, randomUnitVector(dim, seed + 3, shift)),
  );
  return { x, labels, fresh };
}

describe('verdict probe (L2 logistic regression on TensorFlow.js) against scikit-learn', () => {
  const cases = [
    { name: 'n > d, overlapping classes', dim: 12, neg: 40, pos: 30, shift: 1.5, c: 1, seed: 31 },
    {
      name: 'd > n (wide activations), strong penalty',
      dim: 96,
      neg: 24,
      pos: 22,
      shift: 2.5,
      c: 0.05,
      seed: 47,
    },
    { name: 'weak penalty', dim: 8, neg: 25, pos: 25, shift: 1, c: 20, seed: 53 },
  ];
  for (const tc of cases) {
    it(`coefficients, probabilities and 5-fold CV AUROC match sklearn (${tc.name}, C = ${tc.c})`, () => {
      const { x, labels, fresh } = planted(tc.dim, tc.neg, tc.pos, tc.shift, tc.seed);
      const probe = new LogisticProbe({ c: tc.c }).fit(x, labels);
      const cv = crossValidateProbe(x, labels, { c: tc.c, folds: 5 });
      const ref = runPythonReference<Reference>('probe_reference.py', {
        X: toRows(x),
        y: labels,
        C: tc.c,
        folds: Array.from(cv.folds),
        Xnew: toRows(fresh),
        outOfFold: Array.from(cv.outOfFold),
      });
      const coefScale = Math.max(...ref.coef.map(Math.abs), Math.abs(ref.intercept));
      const ours = probe.coefficients;
      ref.coef.forEach((w, j) => expect(Math.abs(ours[j] - w) / coefScale).toBeLessThan(2e-3));
      expect(Math.abs(probe.intercept - ref.intercept) / coefScale).toBeLessThan(2e-3);
      const p = probe.predictProbability(fresh);
      ref.probaNew.forEach((q, i) => expect(Math.abs(p[i] - q)).toBeLessThan(1e-3));
      // Our AUROC of our held-out probabilities is exactly sklearn's roc_auc_score of them, fold by fold,
      // and the CV AUROC equals sklearn's cross_val_score on the same folds (its own fits).
      cv.foldAurocs.forEach((a, f) => expect(a).toBeCloseTo(ref.ourFoldAurocs[f], 12));
      expect(cv.auroc).toBeCloseTo(ref.cvAuroc, 6);
    });
  }

  it('round-trips through JSON and refuses one-class data', () => {
    const { x, labels, fresh } = planted(10, 20, 20, 2, 61);
    const probe = new LogisticProbe({ c: 0.5 }).fit(x, labels);
    const back = LogisticProbe.fromJSON(
      JSON.parse(JSON.stringify(probe.toJSON())) as ReturnType<LogisticProbe['toJSON']>,
    );
    expect(Array.from(back.predictProbability(fresh))).toEqual(Array.from(probe.predictProbability(fresh)));
    expect(() =>
      new LogisticProbe().fit(
        x,
        labels.map(() => 1),
      ),
    ).toThrow(/both classes/);
    expect(Array.from(stratifiedFolds([0, 0, 1, 0, 1, 1, 0], 3))).toEqual([0, 1, 0, 2, 1, 2, 0]);
  });
});
