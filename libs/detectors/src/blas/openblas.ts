import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * The host's OpenBLAS (Debian's `libopenblas0-pthread`, BLAS and LAPACK in one library), reached
 * through koffi, a maintained FFI whose npm package carries prebuilt binaries. Used for the maths that
 * dominates the detectors' time and that a tuned native library does several times faster than
 * WebAssembly or JavaScript on the same core: matrix products (`sgemm`, see native-matmul.ts, and
 * `strmm` for the exact Gaussian's triangular factor), symmetric eigendecompositions (`dsyevd`, see
 * linalg/symmetric-eigen.ts), and Cholesky factorisations and solves (`dsyrk` + `dpotrf` for that factor,
 * `dposv` in linalg/cholesky.ts). Arrays are passed by pointer, including views of the WASM heap:
 * nothing is copied.
 */

/** `MONITOR_BLAS`: `auto` uses OpenBLAS when the host has it, `off` keeps WebAssembly and JavaScript. */
export type BlasMode = 'auto' | 'off';

export interface OpenBlasOptions {
  mode?: BlasMode;
  /** OpenBLAS threads one call may use (process-wide; default 1: one compute worker per core). */
  threads?: number;
  /** Where to find the library (default: the dynamic loader's `libopenblas.so.0`). */
  library?: string;
  /**
   * The process's `OPENBLAS_CORETYPE`, when it has one. OpenBLAS reads the variable itself when the
   * library is loaded; this is only for saying so (`forcedCore`, `advice`).
   */
  coretype?: string;
}

/** cblas_sgemm, row-major: C = op(A) · op(B) (alpha 1, beta 0). */
export type Sgemm = (
  order: number,
  transA: number,
  transB: number,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float32Array,
  lda: number,
  b: Float32Array,
  ldb: number,
  beta: number,
  c: Float32Array,
  ldc: number,
) => void;

/** cblas_strmm, row-major, A triangular: B := alpha · B · op(A) (side right) or alpha · op(A) · B (left). */
export type Strmm = (
  order: number,
  side: number,
  uplo: number,
  transA: number,
  diag: number,
  m: number,
  n: number,
  alpha: number,
  a: Float32Array,
  lda: number,
  b: Float32Array,
  ldb: number,
) => void;

export const CBLAS = {
  rowMajor: 101,
  noTrans: 111,
  trans: 112,
  upper: 121,
  lower: 122,
  nonUnit: 131,
  left: 141,
  right: 142,
} as const;

export interface OpenBlas {
  library: string;
  /** OpenBLAS's kernel family in use, e.g. `Haswell` or `Cooperlake`. */
  core: string;
  /**
   * The `OPENBLAS_CORETYPE` the process started with, when one was set: OpenBLAS then takes the family
   * it names (or the nearest it has) instead of the one it detects for the CPU. On an AVX-512 CPU a forced `Haswell` (AVX2) runs
   * `sgemm` at about half the speed (native-matmul.ts has the figures).
   */
  forcedCore?: string;
  /** Advice for the operator when the family in use, forced, leaves the CPU's AVX-512 unused. */
  advice?: string;
  threads: number;
  sgemm: Sgemm;
  /** Triangular matrix product (half the multiply-adds of `sgemm` on the same square matrix). */
  strmm: Strmm;
  /**
   * Eigenvalues (descending) and eigenvectors (row c = the c-th vector) of the symmetric n×n `a`, by
   * LAPACK's divide and conquer `dsyevd` in double precision.
   */
  symmetricEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array };
  /**
   * The lower-triangular L (row-major n×n, zeros above the diagonal) with W·Wᵀ = L·Lᵀ for the row-major
   * n×k `w`, in double precision: BLAS `dsyrk`, then LAPACK's Cholesky `dpotrf`. Undefined when W·Wᵀ is
   * not positive definite to working precision.
   */
  gramCholesky(w: Float64Array, n: number, k: number): Float64Array | undefined;
  /**
   * X with A·X = B for the symmetric positive-definite n×n `a` and the row-major n×m `b`, by LAPACK's
   * `dposv` (Cholesky) in double precision; throws when A is not positive definite.
   */
  positiveDefiniteSolve(a: Float64Array, n: number, b: Float64Array, m: number): Float64Array;
}

/** The part of koffi's API used here (its type declarations are ES-module only). */
interface Koffi {
  load(path: string): { func(signature: string): (...args: never[]) => unknown };
}

let loaded: { blas?: OpenBlas; reason?: string } | undefined;

/** Loads OpenBLAS once per thread; later calls return the first answer whatever their options. */
export function loadOpenBlas(options: OpenBlasOptions = {}): { blas?: OpenBlas; reason?: string } {
  loaded ??= load(options);
  return loaded;
}

/** The loaded library, if loadOpenBlas found one. */
export function openBlas(): OpenBlas | undefined {
  return loaded?.blas;
}

function load(options: OpenBlasOptions): { blas?: OpenBlas; reason?: string } {
  if ((options.mode ?? 'auto') === 'off') return { reason: 'MONITOR_BLAS=off' };
  const library = options.library ?? 'libopenblas.so.0';
  const threads = Math.max(1, Math.floor(options.threads ?? 1));
  try {
    // Required lazily: a host without koffi or the library keeps WebAssembly and JavaScript.
    const koffi = createRequire(__filename)('koffi') as Koffi;
    const lib = koffi.load(library);
    const sgemm = lib.func(
      'void cblas_sgemm(int order, int transA, int transB, int m, int n, int k, float alpha, ' +
        'const float *a, int lda, const float *b, int ldb, float beta, _Inout_ float *c, int ldc)',
    ) as Sgemm;
    const strmm = lib.func(
      'void cblas_strmm(int order, int side, int uplo, int transA, int diag, int m, int n, float alpha, ' +
        'const float *a, int lda, _Inout_ float *b, int ldb)',
    ) as Strmm;
    // Fortran LAPACK: every argument by reference, then the hidden lengths of the two character arguments.
    const dsyevd = lib.func(
      'void dsyevd_(const char *jobz, const char *uplo, const int *n, _Inout_ double *a, const int *lda, ' +
        '_Out_ double *w, _Out_ double *work, const int *lwork, _Out_ int *iwork, const int *liwork, ' +
        '_Out_ int *info, size_t jobzLength, size_t uploLength)',
    ) as Dsyevd;
    const dsyrk = lib.func(
      'void cblas_dsyrk(int order, int uplo, int trans, int n, int k, double alpha, const double *a, ' +
        'int lda, double beta, _Inout_ double *c, int ldc)',
    ) as Dsyrk;
    const dpotrf = lib.func(
      'void dpotrf_(const char *uplo, const int *n, _Inout_ double *a, const int *lda, _Out_ int *info, ' +
        'size_t uploLength)',
    ) as Dpotrf;
    const dposv = lib.func(
      'void dposv_(const char *uplo, const int *n, const int *nrhs, _Inout_ double *a, const int *lda, ' +
        '_Inout_ double *b, const int *ldb, _Out_ int *info, size_t uploLength)',
    ) as Dposv;
    const core = String(lib.func('const char *openblas_get_corename()')());
    // An empty value is no family (OpenBLAS then detects the CPU as without one).
    const forcedCore = options.coretype?.trim() || undefined;
    (lib.func('void openblas_set_num_threads(int)') as (n: number) => void)(threads);
    return {
      blas: {
        library,
        core,
        ...(forcedCore === undefined ? {} : { forcedCore }),
        ...(forcedCore !== undefined && leavesAvx512Unused(core, cpuFlags())
          ? {
              advice:
                `this CPU has AVX-512, which the ${core} kernels leave unused: unset OPENBLAS_CORETYPE to let ` +
                "OpenBLAS choose (sgemm ran 1.9 times as fast so on the project's test machine)",
            }
          : {}),
        threads,
        sgemm,
        strmm,
        symmetricEigen: (a, n) => lapackSymmetricEigen(dsyevd, a, n),
        gramCholesky: (w, n, k) => gramCholesky(dsyrk, dpotrf, w, n, k),
        positiveDefiniteSolve: (a, n, b, m) => positiveDefiniteSolve(dposv, a, n, b, m),
      },
    };
  } catch (error) {
    return {
      reason:
        `${library} not loaded (${error instanceof Error ? error.message : String(error)}); ` +
        'Debian and Ubuntu: apt-get install libopenblas0-pthread',
    };
  }
}

/** OpenBLAS 0.3's kernel families whose single-precision kernels use AVX-512. */
const AVX512_FAMILIES = ['skylakex', 'cooperlake', 'sapphirerapids'];

/** Whether OpenBLAS's kernel `family` (any case) leaves a CPU with these flags' AVX-512 unused. */
export function leavesAvx512Unused(family: string, flags: readonly string[]): boolean {
  return flags.includes('avx512f') && !AVX512_FAMILIES.includes(family.trim().toLowerCase());
}

/** The CPU's feature flags from /proc/cpuinfo (none where there is no such file). */
function cpuFlags(): string[] {
  try {
    const line = /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    return line ? line[1].trim().split(/\s+/) : [];
  } catch {
    return [];
  }
}

type Dsyrk = (
  order: number,
  uplo: number,
  trans: number,
  n: number,
  k: number,
  alpha: number,
  a: Float64Array,
  lda: number,
  beta: number,
  c: Float64Array,
  ldc: number,
) => void;

type Dpotrf = (
  uplo: string,
  n: Int32Array,
  a: Float64Array,
  lda: Int32Array,
  info: Int32Array,
  uploLength: number,
) => void;

function gramCholesky(
  dsyrk: Dsyrk,
  dpotrf: Dpotrf,
  w: Float64Array,
  n: number,
  k: number,
): Float64Array | undefined {
  if (w.length !== n * k) throw new Error(`gramCholesky: ${w.length} values for ${n}x${k}`);
  // Row-major lower triangle of W·Wᵀ; the same bytes read column-major are its upper triangle, which
  // dpotrf('U') factors in place as UᵀU: read row-major again, U is the lower-triangular L = Uᵀ.
  const factor = new Float64Array(n * n);
  dsyrk(CBLAS.rowMajor, CBLAS.lower, CBLAS.noTrans, n, k, 1, w, k, 0, factor, n);
  const info = new Int32Array(1);
  dpotrf('U', Int32Array.of(n), factor, Int32Array.of(n), info, 1);
  if (info[0] < 0) throw new Error(`dpotrf: argument ${-info[0]} is invalid`);
  return info[0] === 0 ? factor : undefined;
}

type Dposv = (
  uplo: string,
  n: Int32Array,
  nrhs: Int32Array,
  a: Float64Array,
  lda: Int32Array,
  b: Float64Array,
  ldb: Int32Array,
  info: Int32Array,
  uploLength: number,
) => void;

function positiveDefiniteSolve(
  dposv: Dposv,
  a: Float64Array,
  n: number,
  b: Float64Array,
  m: number,
): Float64Array {
  if (a.length !== n * n || b.length !== n * m)
    throw new Error(`positiveDefiniteSolve: ${a.length} and ${b.length} values for ${n}x${n} and ${n}x${m}`);
  // A is symmetric, so its row-major bytes are already column-major; B's columns are laid out for LAPACK.
  const factor = Float64Array.from(a);
  const columns = new Float64Array(n * m);
  for (let r = 0; r < n; r++) for (let c = 0; c < m; c++) columns[c * n + r] = b[r * m + c];
  const info = new Int32Array(1);
  dposv(
    'U',
    Int32Array.of(n),
    Int32Array.of(m),
    factor,
    Int32Array.of(n),
    columns,
    Int32Array.of(n),
    info,
    1,
  );
  if (info[0] !== 0)
    throw new Error(
      info[0] > 0
        ? `positiveDefiniteSolve: matrix is not positive definite (leading minor ${info[0]})`
        : `dposv: argument ${-info[0]} is invalid`,
    );
  const x = new Float64Array(n * m);
  for (let r = 0; r < n; r++) for (let c = 0; c < m; c++) x[r * m + c] = columns[c * n + r];
  return x;
}

type Dsyevd = (
  jobz: string,
  uplo: string,
  n: Int32Array,
  a: Float64Array,
  lda: Int32Array,
  w: Float64Array,
  work: Float64Array,
  lwork: Int32Array,
  iwork: Int32Array,
  liwork: Int32Array,
  info: Int32Array,
  jobzLength: number,
  uploLength: number,
) => void;

function lapackSymmetricEigen(
  dsyevd: Dsyevd,
  a: Float64Array,
  n: number,
): { values: Float64Array; vectors: Float64Array } {
  if (a.length !== n * n) throw new Error(`symmetricEigen: ${a.length} values for ${n}x${n}`);
  // Column-major in, column-major out: a symmetric input reads the same either way, and eigenvector j
  // comes back in column j, that is at [j·n, (j+1)·n) of the row-major array.
  const work = Float64Array.from(a);
  const values = new Float64Array(n);
  const nRef = Int32Array.of(n);
  const info = new Int32Array(1);
  /** With `query`, lwork = liwork = −1: LAPACK only writes the sizes it needs to workspace[0], iworkspace[0]. */
  const solve = (workspace: Float64Array, iworkspace: Int32Array, query: boolean, failure: string) => {
    dsyevd(
      'V',
      'U',
      nRef,
      work,
      nRef,
      values,
      workspace,
      Int32Array.of(query ? -1 : workspace.length),
      iworkspace,
      Int32Array.of(query ? -1 : iworkspace.length),
      info,
      1,
      1,
    );
    if (info[0] !== 0) throw new Error(`dsyevd ${failure} (info ${info[0]})`);
  };
  const workSize = new Float64Array(1);
  const iworkSize = new Int32Array(1);
  solve(workSize, iworkSize, true, 'workspace query failed');
  solve(new Float64Array(Math.ceil(workSize[0])), new Int32Array(iworkSize[0]), false, 'did not converge');
  // LAPACK gives ascending order; the project's convention is descending.
  const descendingValues = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  for (let c = 0; c < n; c++) {
    const src = n - 1 - c;
    descendingValues[c] = values[src];
    vectors.set(work.subarray(src * n, (src + 1) * n), c * n);
  }
  return { values: descendingValues, vectors };
}
