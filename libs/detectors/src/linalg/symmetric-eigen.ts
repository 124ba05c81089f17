import { openBlas } from '../blas/openblas';

/** Eigen-decomposition of a symmetric matrix: values descending, vectors as rows of `vectors`. */
export interface SymmetricEigen {
  readonly dim: number;
  /** Eigenvalues in descending order. */
  readonly values: Float64Array;
  /** Row i (length dim) is the unit eigenvector of values[i]. */
  readonly vectors: Float64Array;
}

/** The first k eigenvectors as the columns of a dim×k row-major matrix (a projection basis). */
export function eigenvectorColumns(eigen: SymmetricEigen, k: number): Float32Array {
  const { dim } = eigen;
  const columns = new Float32Array(dim * k);
  for (let c = 0; c < k; c++) for (let r = 0; r < dim; r++) columns[r * k + c] = eigen.vectors[c * dim + r];
  return columns;
}

/**
 * Eigen-decomposition of the row-major symmetric d×d matrix `a` (not modified): by LAPACK's `dsyevd`
 * when this thread loaded OpenBLAS (initBackend), else by javascriptSymmetricEigen. Both are double
 * precision; eigenvectors are unique up to sign (and within repeated eigenvalues).
 */
export function symmetricEigen(a: Float64Array, dim: number): SymmetricEigen {
  if (a.length !== dim * dim) throw new Error(`symmetricEigen: ${a.length} values for ${dim}x${dim}`);
  const blas = openBlas();
  if (!blas || dim === 0) return javascriptSymmetricEigen(a, dim);
  return { dim, ...blas.symmetricEigen(a, dim) };
}

/**
 * Householder tridiagonalisation followed by the implicit QL algorithm (the EISPACK tred2/tql2
 * pair, as in JAMA). O(d^3), exact to rounding; kept for hosts without OpenBLAS, where it is fine up
 * to d of about a thousand (a d = 768 decomposition takes seconds, against a fraction of one in LAPACK).
 */
export function javascriptSymmetricEigen(a: Float64Array, dim: number): SymmetricEigen {
  const n = dim;
  if (a.length !== n * n) throw new Error(`symmetricEigen: ${a.length} values for ${n}x${n}`);
  if (n === 0) return { dim: 0, values: new Float64Array(0), vectors: new Float64Array(0) };
  const V = Float64Array.from(a);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  tred2(V, d, e, n);
  // tql2 rotates columns of V; work on its transpose so that rotations touch contiguous rows.
  const Z = transpose(V, n);
  tql2(Z, d, e, n);
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => d[j] - d[i]);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = d[src];
    vectors.set(Z.subarray(src * n, (src + 1) * n), dst * n);
  });
  return { dim: n, values, vectors };
}

function transpose(m: Float64Array, n: number): Float64Array {
  const t = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) t[j * n + i] = m[i * n + j];
  return t;
}

function tred2(V: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) d[j] = V[(n - 1) * n + j];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = V[(i - 1) * n + j];
        V[i * n + j] = 0;
        V[j * n + i] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j];
        V[j * n + i] = f;
        g = e[j] + V[j * n + j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += V[k * n + j] * d[k];
          e[k] += V[k * n + j] * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        for (let k = j; k <= i - 1; k++) V[k * n + j] -= f * e[k] + g * d[k];
        d[j] = V[(i - 1) * n + j];
        V[i * n + j] = 0;
      }
    }
    d[i] = h;
  }
  for (let i = 0; i < n - 1; i++) {
    V[(n - 1) * n + i] = V[i * n + i];
    V[i * n + i] = 1;
    const h = d[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = V[k * n + i + 1] / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += V[k * n + i + 1] * V[k * n + j];
        for (let k = 0; k <= i; k++) V[k * n + j] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) V[k * n + i + 1] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = V[(n - 1) * n + j];
    V[(n - 1) * n + j] = 0;
  }
  V[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

/** Implicit QL on the tridiagonal (d, e); Z holds eigenvectors as rows (transposed JAMA V). */
function tql2(Z: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      let iterations = 0;
      do {
        if (++iterations > 60) throw new Error('symmetricEigen: QL did not converge');
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          const rowI = i * n;
          const rowI1 = (i + 1) * n;
          for (let k = 0; k < n; k++) {
            const zi1 = Z[rowI1 + k];
            const zi = Z[rowI + k];
            Z[rowI1 + k] = s * zi + c * zi1;
            Z[rowI + k] = c * zi - s * zi1;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
}
