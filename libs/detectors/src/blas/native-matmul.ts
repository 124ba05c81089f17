import * as tf from '@tensorflow/tfjs';
import { CBLAS, loadOpenBlas, type OpenBlas, type OpenBlasOptions, type Sgemm } from './openblas';

/**
 * Matrix products of the WebAssembly backend done by the host's OpenBLAS (openblas.ts).
 *
 * Why: the WASM backend's `BatchMatMul` (XNNPACK, 128-bit SIMD, one thread under Node) runs at about
 * 38 GFLOP/s here, OpenBLAS's `sgemm` at about 120 GFLOP/s on one core with its AVX2 (`Haswell`)
 * kernels and about 225 with its AVX-512 ones (`bench/pipeline/stage-profile.ts` prints the rate), and matrix
 * products are nearly all of a representation batch's arithmetic. Everything else stays on the WASM
 * backend: this replaces one kernel, reading and writing the tensors where they already live, in the
 * WASM heap (no copy).
 */

/** Below this many multiply-adds a foreign call gains nothing: the WASM kernel keeps them. */
const MIN_NATIVE_MULTIPLY_ADDS = 32 * 1024;

/**
 * The subset of the WASM backend read and written where tensors live (tfjs-backend-wasm 4.22's
 * `BackendWasm`): by this kernel, and by backend.ts's valuesInPlace.
 */
export interface WasmBackendLike {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  getMemoryOffset(dataId: object): number;
  dataIdMap: { get(dataId: object): { shape: number[] } | undefined };
  wasm: { HEAPF32: Float32Array };
}

let installed: OpenBlas | undefined;

/**
 * Replaces the `wasm` backend's `BatchMatMul` kernel with one calling OpenBLAS, once per thread (each
 * worker thread has its own TensorFlow.js engine). Returns the library, or `reason` when the mode is
 * `off` or it cannot be loaded (the WASM kernel then stays).
 */
export function installNativeMatMul(options: OpenBlasOptions = {}): { blas?: OpenBlas; reason?: string } {
  if (installed) return { blas: installed };
  const { blas, reason } = loadOpenBlas(options);
  if (!blas) return { reason };
  const wasmKernel = tf.getKernel(tf.BatchMatMul, 'wasm');
  if (!wasmKernel) return { reason: 'the wasm backend has no BatchMatMul kernel to replace' };
  const fallback = wasmKernel.kernelFunc;
  tf.unregisterKernel(tf.BatchMatMul, 'wasm');
  tf.registerKernel({
    kernelName: tf.BatchMatMul,
    backendName: 'wasm',
    kernelFunc: (args) => nativeBatchMatMul(args, blas.sgemm) ?? fallback(args),
  });
  installed = blas;
  return { blas };
}

/** The OpenBLAS behind this thread's matrix products, if installNativeMatMul installed it. */
export function nativeMatMul(): OpenBlas | undefined {
  return installed;
}

/**
 * `BatchMatMul` by `cblas_sgemm`, one call per batch entry, or `undefined` for what it does not take
 * (non-float32, batch shapes that broadcast other than against 1, tiny products): the WASM kernel then
 * runs as before.
 */
function nativeBatchMatMul(
  { inputs, backend, attrs }: Parameters<tf.KernelFunc>[0],
  sgemm: Sgemm,
): tf.TensorInfo | undefined {
  const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
  const aRank = a.shape.length;
  const bRank = b.shape.length;
  const k = transposeA ? a.shape[aRank - 2] : a.shape[aRank - 1];
  if (k !== (transposeB ? b.shape[bRank - 1] : b.shape[bRank - 2])) return undefined; // the WASM kernel's error
  const m = transposeA ? a.shape[aRank - 1] : a.shape[aRank - 2];
  const n = transposeB ? b.shape[bRank - 2] : b.shape[bRank - 1];
  const aBatchShape = a.shape.slice(0, -2);
  const bBatchShape = b.shape.slice(0, -2);
  const aBatch = aBatchShape.reduce((p, s) => p * s, 1);
  const bBatch = bBatchShape.reduce((p, s) => p * s, 1);
  if (aBatch !== bBatch && aBatch !== 1 && bBatch !== 1) return undefined;
  if (m * n * k < MIN_NATIVE_MULTIPLY_ADDS) return undefined;
  const batch = Math.max(aBatch, bBatch);
  let batchShape: number[];
  try {
    batchShape = tf.broadcast_util.assertAndGetBroadcastShape(aBatchShape, bBatchShape);
  } catch {
    return undefined; // the WASM kernel throws its own error
  }
  if (batchShape.reduce((p, s) => p * s, 1) !== batch) return undefined;

  const wasm = backend as unknown as WasmBackendLike;
  const out = wasm.makeOutput([...batchShape, m, n], 'float32');
  // Read the heap after the allocation: growing the WASM memory replaces its buffer.
  const heap = wasm.wasm.HEAPF32;
  const aStart = wasm.getMemoryOffset(a.dataId) / 4;
  const bStart = wasm.getMemoryOffset(b.dataId) / 4;
  const outStart = wasm.getMemoryOffset(out.dataId) / 4;
  const lda = transposeA ? m : k;
  const ldb = transposeB ? k : n;
  for (let i = 0; i < batch; i++) {
    const aAt = aStart + (aBatch === 1 ? 0 : i * m * k);
    const bAt = bStart + (bBatch === 1 ? 0 : i * k * n);
    const outAt = outStart + i * m * n;
    sgemm(
      CBLAS.rowMajor,
      transposeA ? CBLAS.trans : CBLAS.noTrans,
      transposeB ? CBLAS.trans : CBLAS.noTrans,
      m,
      n,
      k,
      1,
      heap.subarray(aAt, aAt + m * k),
      lda,
      heap.subarray(bAt, bAt + k * n),
      ldb,
      0,
      heap.subarray(outAt, outAt + m * n),
      n,
    );
  }
  return out;
}
