import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend';
import { GaussianDetector } from '../gaussian/gaussian-detector';
import { matrix } from '../matrix';
import { decodeArray, encodeArray } from '../serialization';
import { FactorModel } from '../testing/synthetic-data';
import { cholesky, choleskySolve, positiveDefiniteSolve } from '../linalg/cholesky';
import { javascriptSymmetricEigen, symmetricEigen } from '../linalg/symmetric-eigen';
import { nativeMatMul } from './native-matmul';
import { CBLAS, leavesAvx512Unused, openBlas } from './openblas';

/** Independent reference: op(A)·op(B) in float64 with plain loops, batch entries broadcast against 1. */
function referenceMatMul(
  a: Float32Array,
  aShape: number[],
  b: Float32Array,
  bShape: number[],
  transposeA: boolean,
  transposeB: boolean,
): Float64Array {
  const [aBatch, aRows, aCols] = aShape.length === 3 ? aShape : [1, ...aShape];
  const [bBatch, bRows, bCols] = bShape.length === 3 ? bShape : [1, ...bShape];
  const [m, k] = transposeA ? [aCols, aRows] : [aRows, aCols];
  const n = transposeB ? bRows : bCols;
  const batch = Math.max(aBatch, bBatch);
  const out = new Float64Array(batch * m * n);
  for (let t = 0; t < batch; t++) {
    const aAt = (aBatch === 1 ? 0 : t) * aRows * aCols;
    const bAt = (bBatch === 1 ? 0 : t) * bRows * bCols;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const x = transposeA ? a[aAt + p * aCols + i] : a[aAt + i * aCols + p];
          const y = transposeB ? b[bAt + j * bCols + p] : b[bAt + p * bCols + j];
          s += x * y;
        }
        out[t * m * n + i * n + j] = s;
      }
  }
  return out;
}

function uniform(length: number, seed: number): Float32Array {
  let state = seed;
  return Float32Array.from({ length }, () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31 - 0.5;
  });
}

/** X·Xᵀ + ridge·I for an n×n X of uniform(seed) values: symmetric positive-definite, in float64. */
function gramPlusRidge(n: number, seed: number, ridge: number): Float64Array {
  const x = uniform(n * n, seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < n; p++) s += x[i * n + p] * x[j * n + p];
      a[i * n + j] = s + (i === j ? ridge : 0);
    }
  return a;
}

function maxRelativeError(actual: ArrayLike<number>, expected: Float64Array): number {
  let scale = 0;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < expected.length; i++)
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / scale);
  return worst;
}

describe('OpenBLAS behind the WASM backend', () => {
  beforeAll(async () => {
    expect(await initBackend(() => undefined)).toBe('wasm');
  });

  it('is loaded on this host (CI installs libopenblas0-pthread) and replaces the matrix-product kernel', () => {
    const blas = openBlas();
    expect(blas, 'libopenblas.so.0 did not load: apt-get install libopenblas0-pthread').toBeDefined();
    expect(nativeMatMul()).toBe(blas);
    expect(blas!.threads).toBe(1);
  });

  const cases: { name: string; a: number[]; b: number[]; transposeA: boolean; transposeB: boolean }[] = [
    { name: 'A·B', a: [70, 90], b: [90, 50], transposeA: false, transposeB: false },
    { name: 'Aᵀ·B', a: [90, 70], b: [90, 50], transposeA: true, transposeB: false },
    { name: 'A·Bᵀ', a: [70, 90], b: [50, 90], transposeA: false, transposeB: true },
    { name: 'Aᵀ·Bᵀ', a: [90, 70], b: [50, 90], transposeA: true, transposeB: true },
    { name: 'batched', a: [3, 40, 60], b: [3, 60, 30], transposeA: false, transposeB: false },
    { name: 'batch against one', a: [3, 40, 60], b: [60, 30], transposeA: false, transposeB: false },
    {
      name: 'one against a batch, transposed',
      a: [60, 40],
      b: [3, 30, 60],
      transposeA: true,
      transposeB: true,
    },
    {
      name: 'below the native threshold (WASM kernel)',
      a: [4, 5],
      b: [5, 3],
      transposeA: false,
      transposeB: false,
    },
  ];
  for (const c of cases) {
    it(`tf.matMul ${c.name} matches a float64 reference`, () => {
      const a = uniform(
        c.a.reduce((p, s) => p * s, 1),
        7,
      );
      const b = uniform(
        c.b.reduce((p, s) => p * s, 1),
        11,
      );
      const product = tf.tidy(() =>
        tf.matMul(tf.tensor(a, c.a), tf.tensor(b, c.b), c.transposeA, c.transposeB),
      );
      const expected = referenceMatMul(a, c.a, b, c.b, c.transposeA, c.transposeB);
      const m = c.transposeA ? c.a[c.a.length - 1] : c.a[c.a.length - 2];
      const n = c.transposeB ? c.b[c.b.length - 2] : c.b[c.b.length - 1];
      const batch = Math.max(c.a.length === 3 ? c.a[0] : 1, c.b.length === 3 ? c.b[0] : 1);
      expect(product.shape).toEqual(c.a.length === 3 || c.b.length === 3 ? [batch, m, n] : [m, n]);
      expect(maxRelativeError(product.dataSync(), expected)).toBeLessThan(1e-5);
      product.dispose();
    });
  }

  it("a wrong inner dimension is still refused with the WASM kernel's error", () => {
    expect(() => tf.matMul(tf.zeros([40, 60]), tf.zeros([50, 40]))).toThrow(/inner shapes/);
  });

  it('symmetric eigendecomposition by LAPACK agrees with the JavaScript one and with A·v = λ·v', () => {
    const n = 96;
    const a = gramPlusRidge(n, 3, 1);
    const native = symmetricEigen(a, n);
    const javascript = javascriptSymmetricEigen(a, n);
    for (let c = 0; c < n; c++) {
      expect(native.values[c]).toBeCloseTo(javascript.values[c], 9);
      if (c > 0) expect(native.values[c]).toBeLessThanOrEqual(native.values[c - 1]);
      let cos = 0;
      let residual = 0;
      for (let r = 0; r < n; r++) {
        cos += native.vectors[c * n + r] * javascript.vectors[c * n + r];
        let av = 0;
        for (let p = 0; p < n; p++) av += a[r * n + p] * native.vectors[c * n + p];
        residual = Math.max(residual, Math.abs(av - native.values[c] * native.vectors[c * n + r]));
      }
      expect(Math.abs(cos)).toBeCloseTo(1, 9);
      expect(residual).toBeLessThan(1e-9 * native.values[0]);
    }
  });

  it('strmm multiplies rows by a lower-triangular matrix from the right (B·L), as a float64 reference', () => {
    const [n, d] = [37, 53];
    const b = uniform(n * d, 5);
    const l = uniform(d * d, 9).map((v, i) => (i % d > Math.floor(i / d) ? 0 : v));
    const expected = referenceMatMul(b, [n, d], l, [d, d], false, false);
    const out = Float32Array.from(b);
    openBlas()!.strmm(
      CBLAS.rowMajor,
      CBLAS.right,
      CBLAS.lower,
      CBLAS.noTrans,
      CBLAS.nonUnit,
      n,
      d,
      1,
      l,
      d,
      out,
      d,
    );
    expect(maxRelativeError(out, expected)).toBeLessThan(1e-5);
  });

  it('gramCholesky gives the lower-triangular L with L·Lᵀ = W·Wᵀ, and undefined for a singular W·Wᵀ', () => {
    const [n, k] = [40, 60];
    const w = Float64Array.from(uniform(n * k, 13));
    const factor = openBlas()!.gramCholesky(w, n, k)!;
    let worst = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        if (j > i) expect(factor[i * n + j]).toBe(0);
        let gram = 0;
        let product = 0;
        for (let p = 0; p < k; p++) gram += w[i * k + p] * w[j * k + p];
        for (let p = 0; p < n; p++) product += factor[i * n + p] * factor[j * n + p];
        worst = Math.max(worst, Math.abs(gram - product));
      }
    expect(worst).toBeLessThan(1e-10);
    // Rank 20 < 40: not positive definite.
    expect(openBlas()!.gramCholesky(Float64Array.from(uniform(n * 20, 17)), n, 20)).toBeUndefined();
  });

  it('positiveDefiniteSolve by LAPACK agrees with the JavaScript Cholesky solve and gives A·X = B', () => {
    const [n, m] = [50, 7];
    const a = gramPlusRidge(n, 19, 0.5);
    const b = Float64Array.from(uniform(n * m, 23));
    const [aBefore, bBefore] = [Float64Array.from(a), Float64Array.from(b)];
    const solved = positiveDefiniteSolve(a, n, b, m);
    expect(a).toEqual(aBefore);
    expect(b).toEqual(bBefore);
    const javascript = choleskySolve(cholesky(a, n), n, Float64Array.from(b), m);
    let worst = 0;
    for (let i = 0; i < n * m; i++) worst = Math.max(worst, Math.abs(solved[i] - javascript[i]));
    expect(worst).toBeLessThan(1e-9);
    for (let i = 0; i < n; i++)
      for (let c = 0; c < m; c++) {
        let ax = 0;
        for (let p = 0; p < n; p++) ax += a[i * n + p] * solved[p * m + c];
        expect(ax).toBeCloseTo(b[i * m + c], 9);
      }
    expect(() =>
      positiveDefiniteSolve(new Float64Array([1, 2, 2, 1]), 2, new Float64Array([1, 1]), 1),
    ).toThrow(/not positive definite/);
  });

  it('the exact Gaussian keeps a triangular factor of the precision and scores as the dense VΛ^-½ of older baselines', () => {
    const d = 48;
    const model = new FactorModel(d, 5, 21);
    const reference = model.sample(600, 22);
    const batch = model.sample(600, 23); // three chunks of the triangular product, the last partial
    const gaussian = new GaussianDetector({ rank: 'full' }).fit(reference);
    const json = gaussian.toJSON();
    const factor = Float64Array.from(decodeArray(json.projection, d * d));
    for (let r = 0; r < d; r++) for (let c = r + 1; c < d; c++) expect(factor[r * d + c]).toBe(0);
    // The form older baselines stored: W = VΛ^½ of the same precision P = L·Lᵀ (so W·Wᵀ = P), dense.
    const precision = new Float64Array(d * d);
    for (let i = 0; i < d; i++)
      for (let j = 0; j < d; j++) {
        let s = 0;
        for (let p = 0; p < d; p++) s += factor[i * d + p] * factor[j * d + p];
        precision[i * d + j] = s;
      }
    const eigen = symmetricEigen(precision, d);
    const dense = new Float32Array(d * d);
    for (let c = 0; c < d; c++)
      for (let r = 0; r < d; r++) dense[r * d + c] = eigen.vectors[c * d + r] * Math.sqrt(eigen.values[c]);
    const older = GaussianDetector.fromJSON({ ...json, projection: encodeArray(dense) });
    const triangular = gaussian.score(batch);
    expect(maxRelativeError(older.score(batch), Float64Array.from(triangular))).toBeLessThan(1e-4);
    // The backend route (other detectors chain on it) takes the same triangular product.
    const viaTensor = tf.tidy(() => gaussian.scoreTensor(tf.tensor2d(batch.data, [batch.rows, d])));
    expect(maxRelativeError(viaTensor.dataSync(), Float64Array.from(triangular))).toBeLessThan(1e-6);
    viaTensor.dispose();
    expect(() => gaussian.score(matrix(1, d + 1, new Float32Array(d + 1)))).toThrow(
      /expected 48 columns, got 49/,
    );
    [gaussian, older].forEach((g) => g.dispose());
  });

  it("mode 'off' (MONITOR_BLAS=off) keeps WebAssembly and JavaScript, and says so", () => {
    const root = resolve(__dirname, '../../../..');
    const script =
      "require('./libs/detectors/src/backend').initBackend((m) => console.log(m), { mode: 'off' })" +
      ".then(() => console.log('native', String(Boolean(require('./libs/detectors/src/blas/openblas').openBlas()))))";
    const output = execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(output).toContain(
      'detectors: tfjs backend wasm (matrix products in WebAssembly, eigendecompositions in JavaScript: MONITOR_BLAS=off)',
    );
    expect(output).toContain('native false');
  });
});

describe('leavesAvx512Unused', () => {
  const avx512 = ['fma', 'avx2', 'avx512f', 'avx512bw'];
  it('flags an AVX2 or older family on a CPU with AVX-512, whatever its case', () => {
    expect(leavesAvx512Unused('Haswell', avx512)).toBe(true);
    expect(leavesAvx512Unused('zen', avx512)).toBe(true);
  });
  it('passes AVX-512 families, and any family on a CPU without AVX-512', () => {
    for (const family of ['SkylakeX', 'cooperlake', 'SAPPHIRERAPIDS'])
      expect(leavesAvx512Unused(family, avx512)).toBe(false);
    expect(leavesAvx512Unused('Haswell', ['fma', 'avx2'])).toBe(false);
    expect(leavesAvx512Unused('Haswell', [])).toBe(false);
  });
});
