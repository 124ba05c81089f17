import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { installNativeMatMul, type WasmBackendLike } from './blas/native-matmul';
import type { OpenBlas, OpenBlasOptions } from './blas/openblas';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

let chosen: Promise<BackendName> | undefined;

/**
 * Picks the fastest backend that loads, once per thread, and logs the choice:
 * tfjs-node-gpu, then tfjs-node (both optional: their install downloads libtensorflow, so they
 * are required behind a guard), then WebAssembly (shipped in npm, the default here), then cpu.
 * On WebAssembly, matrix products go to the host's OpenBLAS when it has one (`blas`, see
 * installNativeMatMul).
 */
export function initBackend(
  log: (message: string) => void = (m) => console.info(m),
  blas: OpenBlasOptions = {},
): Promise<BackendName> {
  chosen ??= choose(log, blas);
  return chosen;
}

async function choose(log: (message: string) => void, blas: OpenBlasOptions): Promise<BackendName> {
  const optionalRequire = createRequire(__filename);
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      optionalRequire(pkg);
      if (await tf.setBackend('tensorflow')) {
        await tf.ready();
        log(`detectors: tfjs backend tensorflow (${pkg})`);
        return 'tensorflow';
      }
    } catch {
      // Not installed or its native library failed to load: fall through to the next backend.
    }
  }
  for (const name of ['wasm', 'cpu'] as const) {
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        if (name === 'wasm') {
          const { blas: lib, reason } = installNativeMatMul(blas);
          log(
            lib
              ? `detectors: tfjs backend wasm, matrix products and eigendecompositions by ${describeOpenBlas(lib)}`
              : `detectors: tfjs backend wasm (matrix products in WebAssembly, eigendecompositions in JavaScript: ${reason})`,
          );
        } else {
          log(`detectors: tfjs backend ${name}`);
        }
        return name;
      }
    } catch {
      // Try the next one.
    }
  }
  throw new Error('detectors: no TensorFlow.js backend could be initialised');
}

/** e.g. `OpenBLAS (libopenblas.so.0, Cooperlake kernels, 1 thread)`, and the environment's say in the family. */
function describeOpenBlas(lib: OpenBlas): string {
  const family =
    lib.forcedCore === undefined
      ? `${lib.core} kernels`
      : `${lib.core} kernels (OPENBLAS_CORETYPE=${lib.forcedCore})`;
  const threads = `${lib.threads} thread${lib.threads === 1 ? '' : 's'}`;
  return `OpenBLAS (${lib.library}, ${family}, ${threads})${lib.advice ? `; ${lib.advice}` : ''}`;
}

/**
 * A float32 tensor's values read where the WebAssembly backend keeps them, in its heap, instead of
 * the copy `dataSync` makes (on other backends: `dataSync`). Hand-written: tfjs has no
 * public zero-copy read, and the copies (a megabyte a layer for the k-NN cross term) were most of the
 * monitor worker's typed-array allocations. Use the view at once, before creating or disposing any
 * tensor: it is valid only until the tensor is disposed or the WASM memory grows.
 */
export function valuesInPlace(t: tf.Tensor): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`valuesInPlace reads float32 tensors, not ${t.dtype}`);
  if (tf.getBackend() === 'wasm') {
    const backend = tf.backend() as unknown as WasmBackendLike;
    const stored = backend.dataIdMap.get(t.dataId);
    // Only a tensor that owns all of its stored values (always, today): else the copy.
    if (stored && stored.shape.reduce((n, s) => n * s, 1) === t.size) {
      const start = backend.getMemoryOffset(t.dataId) / 4;
      return backend.wasm.HEAPF32.subarray(start, start + t.size);
    }
  }
  return t.dataSync() as Float32Array;
}
