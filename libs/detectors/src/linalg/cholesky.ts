import { openBlas } from '../blas/openblas';

/** Lower-triangular Cholesky factor L (row-major) of a symmetric positive-definite matrix. */
export function cholesky(a: Float64Array, n: number): Float64Array {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * n + j];
      for (let k = 0; k < j; k++) sum -= L[i * n + k] * L[j * n + k];
      if (i === j) {
        if (!(sum > 0)) throw new Error(`cholesky: matrix is not positive definite (pivot ${i} = ${sum})`);
        L[i * n + i] = Math.sqrt(sum);
      } else {
        L[i * n + j] = sum / L[j * n + j];
      }
    }
  }
  return L;
}

/** Solves A X = B for X given A's Cholesky factor L; B is n×m row-major, overwritten and returned. */
export function choleskySolve(L: Float64Array, n: number, B: Float64Array, m: number): Float64Array {
  // Forward substitution L Y = B, then back substitution L^T X = Y, column block at a time.
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < i; k++) {
      const lik = L[i * n + k];
      if (lik === 0) continue;
      for (let c = 0; c < m; c++) B[i * m + c] -= lik * B[k * m + c];
    }
    const lii = L[i * n + i];
    for (let c = 0; c < m; c++) B[i * m + c] /= lii;
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let k = i + 1; k < n; k++) {
      const lki = L[k * n + i];
      if (lki === 0) continue;
      for (let c = 0; c < m; c++) B[i * m + c] -= lki * B[k * m + c];
    }
    const lii = L[i * n + i];
    for (let c = 0; c < m; c++) B[i * m + c] /= lii;
  }
  return B;
}

/**
 * X with A·X = B (A symmetric positive-definite n×n, B n×m, both row-major; neither is modified): by
 * LAPACK's `dposv` when this thread loaded OpenBLAS (initBackend), else by cholesky and choleskySolve.
 * Both are double precision.
 */
export function positiveDefiniteSolve(a: Float64Array, n: number, b: Float64Array, m: number): Float64Array {
  const blas = openBlas();
  if (blas) return blas.positiveDefiniteSolve(a, n, b, m);
  return choleskySolve(cholesky(a, n), n, Float64Array.from(b), m);
}
