import * as tf from '@tensorflow/tfjs';
import { type Matrix, assertCols, pickRows } from '../matrix';
import { auroc } from '../metrics/auroc';
import { type EncodedArray, checkHeader, decodeArray, encodeArray } from '../serialization';

export interface LogisticProbeOptions {
  /** Inverse L2 strength, as scikit-learn's `LogisticRegression(C=…)` (default 1). */
  c?: number;
  /** Newton iterations at most (default 50). */
  maxIterations?: number;
  /** Stop when the largest gradient entry is below this, relative to max(1, its start value) (default 1e-6). */
  tolerance?: number;
}

export interface LogisticProbeJson {
  readonly kind: 'logistic-probe';
  readonly formatVersion: 1;
  readonly c: number;
  readonly dim: number;
  readonly weights: EncodedArray;
  readonly intercept: number;
}

/**
 * A supervised linear probe: L2-regularised logistic regression, minimising
 * ½‖w‖² + C Σᵢ log(1 + exp(−yᵢ(xᵢ·w + b))) with the intercept b unpenalised — the objective of
 * scikit-learn's `LogisticRegression(C=C)`. Labels: 1 = positive (e.g. judged deceptive), 0 = negative.
 *
 * Fitted by Newton–CG (as sklearn's `newton-cg` solver): each Newton step solves H p = −g by conjugate
 * gradients using only Hessian–vector products X̃ᵀ(s ⊙ X̃v) on the backend, so the d×d Hessian is never
 * formed and wide activations (d ≫ n) cost two matmuls per CG step; then a backtracking line search.
 */
export class LogisticProbe {
  private state: { dim: number; c: number; weights: Float32Array; intercept: number } | undefined;

  constructor(private readonly options: LogisticProbeOptions = {}) {}

  get dim(): number {
    return this.require().dim;
  }

  get coefficients(): Float32Array {
    return this.require().weights.slice();
  }

  get intercept(): number {
    return this.require().intercept;
  }

  fit(x: Matrix, labels: ArrayLike<number>): this {
    const c = this.options.c ?? 1;
    if (!(c > 0)) throw new Error(`LogisticProbe: C must be > 0, got ${c}`);
    if (labels.length !== x.rows)
      throw new Error(`LogisticProbe: ${labels.length} labels for ${x.rows} rows`);
    let positives = 0;
    for (let i = 0; i < labels.length; i++) {
      if (labels[i] !== 0 && labels[i] !== 1)
        throw new Error(`LogisticProbe: label ${labels[i]} is not 0 or 1`);
      positives += labels[i];
    }
    if (positives === 0 || positives === x.rows) throw new Error('LogisticProbe: need both classes to fit');
    const { weights, intercept } = newtonCg(
      x,
      labels,
      c,
      this.options.maxIterations ?? 50,
      this.options.tolerance ?? 1e-6,
    );
    this.state = { dim: x.cols, c, weights, intercept };
    return this;
  }

  /** Decision values xᵢ·w + b. */
  decisionFunction(batch: Matrix): Float32Array {
    const s = this.require();
    assertCols(batch, s.dim, 'LogisticProbe.decisionFunction');
    if (batch.rows === 0) return new Float32Array(0);
    const out = tf.tidy(() =>
      tf.add(
        tf.matMul(tf.tensor2d(batch.data, [batch.rows, s.dim]), tf.tensor2d(s.weights, [s.dim, 1])),
        s.intercept,
      ),
    );
    const values = out.dataSync() as Float32Array;
    out.dispose();
    return Float32Array.from(values);
  }

  /** P(positive | x) = σ(x·w + b), as sklearn's `predict_proba(X)[:, 1]`. */
  predictProbability(batch: Matrix): Float32Array {
    return this.decisionFunction(batch).map((z) => 1 / (1 + Math.exp(-z)));
  }

  toJSON(): LogisticProbeJson {
    const s = this.require();
    return {
      kind: 'logistic-probe',
      formatVersion: 1,
      c: s.c,
      dim: s.dim,
      weights: encodeArray(s.weights),
      intercept: s.intercept,
    };
  }

  static fromJSON(json: LogisticProbeJson): LogisticProbe {
    checkHeader(json, 'logistic-probe', 1);
    const probe = new LogisticProbe({ c: json.c });
    probe.state = {
      dim: json.dim,
      c: json.c,
      weights: decodeArray(json.weights, json.dim),
      intercept: json.intercept,
    };
    return probe;
  }

  private require() {
    if (!this.state) throw new Error('LogisticProbe: call fit() or fromJSON() first');
    return this.state;
  }
}

/**
 * Stratified fold of each row, 0 … k−1: within each class, rows in their given order take folds
 * 0, 1, …, k−1, 0, … (as sklearn's StratifiedKFold without shuffling assigns the class's rows in order,
 * up to which fold receives the remainder). Deterministic, so a refit on the same data gives the same AUROC.
 */
export function stratifiedFolds(labels: ArrayLike<number>, k: number): Int32Array {
  const folds = new Int32Array(labels.length);
  const seen = new Map<number, number>();
  for (let i = 0; i < labels.length; i++) {
    const n = seen.get(labels[i]) ?? 0;
    folds[i] = n % k;
    seen.set(labels[i], n + 1);
  }
  return folds;
}

export interface CrossValidation {
  /** Mean over folds of the AUROC of the held-out rows' probabilities (sklearn's cross_val_score, scoring='roc_auc'). */
  readonly auroc: number;
  readonly foldAurocs: readonly number[];
  /** Each row's probability from the probe fitted without its fold. */
  readonly outOfFold: Float32Array;
  readonly folds: Int32Array;
}

/** k-fold cross-validated AUROC of a LogisticProbe; every fold must hold both classes. */
export function crossValidateProbe(
  x: Matrix,
  labels: ArrayLike<number>,
  options: LogisticProbeOptions & { folds?: number; assignment?: Int32Array } = {},
): CrossValidation {
  const k = options.folds ?? 5;
  const folds = options.assignment ?? stratifiedFolds(labels, k);
  const outOfFold = new Float32Array(x.rows);
  const foldAurocs: number[] = [];
  for (let f = 0; f < k; f++) {
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < x.rows; i++) (folds[i] === f ? test : train).push(i);
    const probe = new LogisticProbe(options).fit(
      pickRows(x, train),
      train.map((i) => labels[i]),
    );
    const p = probe.predictProbability(pickRows(x, test));
    const neg: number[] = [];
    const pos: number[] = [];
    test.forEach((row, j) => {
      outOfFold[row] = p[j];
      (labels[row] === 1 ? pos : neg).push(p[j]);
    });
    foldAurocs.push(auroc(neg, pos));
  }
  return { auroc: foldAurocs.reduce((a, b) => a + b, 0) / k, foldAurocs, outOfFold, folds };
}

function newtonCg(
  x: Matrix,
  labels: ArrayLike<number>,
  c: number,
  maxIterations: number,
  tolerance: number,
): { weights: Float32Array; intercept: number } {
  const n = x.rows;
  const d = x.cols;
  // X̃ = [X, 1]: the last coordinate of θ is the intercept, excluded from the penalty by `mask`.
  const xt = tf.tidy(() => tf.concat([tf.tensor2d(x.data, [n, d]), tf.ones([n, 1])], 1));
  const t = tf.tensor2d(Float32Array.from(labels), [n, 1]);
  const mask = tf.tidy(() => tf.concat([tf.ones([d, 1]), tf.zeros([1, 1])], 0));
  let theta: tf.Tensor2D = tf.zeros([d + 1, 1]);
  const objective = (th: tf.Tensor2D): number =>
    tf.tidy(() => {
      const z = tf.matMul(xt, th);
      // Σ softplus(z) − t·z, with softplus computed stably.
      const loss = tf.sum(tf.sub(tf.softplus(z), tf.mul(t, z)));
      const penalty = tf.mul(0.5, tf.sum(tf.square(tf.mul(mask, th))));
      return tf.add(penalty, tf.mul(c, loss)).dataSync()[0];
    });
  const gradientAndCurvature = (th: tf.Tensor2D): { g: tf.Tensor2D; s: tf.Tensor2D } =>
    tf.tidy(() => {
      const p = tf.sigmoid(tf.matMul(xt, th));
      const g = tf.add<tf.Tensor2D>(tf.mul(mask, th), tf.mul(c, tf.matMul(xt, tf.sub(p, t), true, false)));
      const s = tf.mul<tf.Tensor2D>(p, tf.sub(1, p));
      return { g, s };
    });
  const hessianTimes = (s: tf.Tensor2D, v: tf.Tensor2D): tf.Tensor2D =>
    tf.tidy(() =>
      tf.add(tf.mul(mask, v), tf.mul(c, tf.matMul(xt, tf.mul(s, tf.matMul(xt, v)), true, false))),
    );
  const maxAbs = (v: tf.Tensor): number => tf.tidy(() => tf.max(tf.abs(v)).dataSync()[0]);
  const dot = (a: tf.Tensor, b: tf.Tensor): number => tf.tidy(() => tf.sum(tf.mul(a, b)).dataSync()[0]);

  try {
    let f = objective(theta);
    let startGradient: number | undefined;
    for (let iteration = 0; iteration < maxIterations; iteration++) {
      const { g, s } = gradientAndCurvature(theta);
      const gMax = maxAbs(g);
      startGradient ??= Math.max(1, gMax);
      if (gMax <= tolerance * startGradient) {
        tf.dispose([g, s]);
        break;
      }
      // Truncated CG on H p = −g (sklearn's _cg: stop at residual ≤ min(0.5, √‖g‖₁)·‖g‖₁).
      const gL1 = tf.tidy(() => tf.sum(tf.abs(g)).dataSync()[0]);
      const cgTolerance = Math.min(0.5, Math.sqrt(gL1)) * gL1;
      let p: tf.Tensor2D = tf.zeros([d + 1, 1]);
      let r: tf.Tensor2D = tf.neg(g);
      let q: tf.Tensor2D = tf.clone(r);
      let rr = dot(r, r);
      for (let cg = 0; cg < 10 * (d + 1) && cg < 500; cg++) {
        if (tf.tidy(() => tf.sum(tf.abs(r)).dataSync()[0]) <= cgTolerance) break;
        const hq = hessianTimes(s, q);
        const curvature = dot(q, hq);
        if (curvature <= 0) {
          hq.dispose();
          break;
        }
        const alpha = rr / curvature;
        const nextP = tf.tidy(() => tf.add<tf.Tensor2D>(p, tf.mul(alpha, q)));
        const nextR = tf.tidy(() => tf.sub<tf.Tensor2D>(r, tf.mul(alpha, hq)));
        const nextRr = dot(nextR, nextR);
        const nextQ = tf.tidy(() => tf.add<tf.Tensor2D>(nextR, tf.mul(nextRr / rr, q)));
        tf.dispose([p, r, q, hq]);
        p = nextP;
        r = nextR;
        q = nextQ;
        rr = nextRr;
      }
      let slope = dot(g, p);
      if (!(slope < 0)) {
        // CG gave no descent direction (float32 round-off near the optimum): fall back to −g.
        p.dispose();
        p = tf.neg(g);
        slope = dot(g, p);
      }
      // Backtracking (Armijo) line search along p.
      let step = 1;
      let accepted: tf.Tensor2D | undefined;
      let acceptedF = f;
      for (let ls = 0; ls < 40; ls++) {
        const candidate = tf.tidy(() => tf.add<tf.Tensor2D>(theta, tf.mul(step, p)));
        const fc = objective(candidate);
        if (fc <= f + 1e-4 * step * slope || (ls > 0 && Math.abs(fc - f) <= 1e-7 * Math.abs(f))) {
          accepted = candidate;
          acceptedF = fc;
          break;
        }
        candidate.dispose();
        step /= 2;
      }
      tf.dispose([g, s, p, r, q]);
      if (!accepted) break; // no decrease left at float32 precision: θ is as good as it gets
      theta.dispose();
      theta = accepted;
      const improvement = f - acceptedF;
      f = acceptedF;
      if (improvement <= 0 && step < 1e-6) break;
    }
    const values = theta.dataSync() as Float32Array;
    return { weights: Float32Array.from(values.subarray(0, d)), intercept: values[d] };
  } finally {
    tf.dispose([xt, t, mask, theta]);
  }
}
