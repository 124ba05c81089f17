import { matrix, type Matrix } from '../matrix';
import { mulberry32 } from '../linalg/top-eigen';

/** Seeded standard normal generator (Box–Muller) for reproducible test data. */
export function normalGenerator(seed: number): () => number {
  const uniform = mulberry32(seed);
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    const u = uniform() || 1e-12;
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/**
 * Correlated Gaussian rows x = μ + A z + ε: A has `factors` columns with decaying scales, so the
 * covariance has a few strong directions over an isotropic floor, like real activations.
 */
export class FactorModel {
  readonly mixing: Float32Array;
  readonly mean: Float32Array;

  constructor(
    readonly dim: number,
    readonly factors: number,
    seed: number,
    readonly noise = 0.5,
  ) {
    const randn = normalGenerator(seed);
    this.mixing = Float32Array.from(
      { length: dim * factors },
      (_, i) => (randn() * 3) / Math.sqrt(1 + (i % factors)),
    );
    this.mean = Float32Array.from({ length: dim }, () => randn());
  }

  sample(rows: number, seed: number, shift?: ArrayLike<number>): Matrix {
    const randn = normalGenerator(seed);
    const { dim, factors } = this;
    const data = new Float32Array(rows * dim);
    const z = new Float64Array(factors);
    for (let r = 0; r < rows; r++) {
      for (let f = 0; f < factors; f++) z[f] = randn();
      for (let c = 0; c < dim; c++) {
        let v = this.mean[c] + this.noise * randn() + (shift ? shift[c] : 0);
        for (let f = 0; f < factors; f++) v += this.mixing[c * factors + f] * z[f];
        data[r * dim + c] = v;
      }
    }
    return { rows, cols: dim, data };
  }
}

export function randomUnitVector(dim: number, seed: number, length = 1): Float32Array {
  const randn = normalGenerator(seed);
  const v = Float64Array.from({ length: dim }, () => randn());
  const norm = Math.hypot(...v);
  return Float32Array.from(v, (x) => (x / norm) * length);
}

export function toRows(m: Matrix): number[][] {
  return Array.from({ length: m.rows }, (_, i) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
}

export function concatRows(a: Matrix, b: Matrix): Matrix {
  const data = new Float32Array(a.data.length + b.data.length);
  data.set(a.data);
  data.set(b.data, a.data.length);
  return { rows: a.rows + b.rows, cols: a.cols, data };
}

/**
 * Two Gaussian modes at ±mode (|mode| = 6) with unit noise: `cloud` draws rows around any centre,
 * `bimodal` half of them around each mode. The space between the modes is where one Gaussian is
 * densest and a k-NN distance is large (k-NN tests and benchmarks).
 */
export function twoModeCloud(dim: number, seed: number, modeSeed: number) {
  const randn = normalGenerator(seed);
  const mode = randomUnitVector(dim, modeSeed, 6);
  const cloud = (rows: number, centre: (j: number) => number): Matrix =>
    matrix(
      rows,
      dim,
      Float32Array.from({ length: rows * dim }, (_, i) => centre(i % dim) + randn()),
    );
  const bimodal = (rows: number): Matrix =>
    concatRows(
      cloud(rows / 2, (j) => mode[j]),
      cloud(rows / 2, (j) => -mode[j]),
    );
  return { mode, cloud, bimodal };
}
