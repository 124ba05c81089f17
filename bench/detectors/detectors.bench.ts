// Gaussian (Mahalanobis) detector throughput and accuracy against NumPy on the same float32 vectors.
// Run: npm run bench:detectors. The last line is machine-readable:
//   detectors: d768_ratio=<ours/numpy vectors per s> d4096_ratio=<...> auroc_gap=<full-rank minus low-rank>
//              knn_auroc=<ours> knn_sklearn=<...> que_auroc=<ours> que_numpy=<...> fused_gap=<best layer minus fused>
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadConfig } from '@damon/config';
import { GaussianDetector, auroc, initBackend, mulberry32, type Matrix } from '@damon/detectors';
import { blasEnvVars, blasOptions } from '@damon/monitor-kit';
import { z } from 'zod';
import { runPythonReference } from '@damon/testing';
import { benchNewDetectors } from './new-detectors';

const REFERENCE_ROWS = 20_000;
const CLEAN_TEST_ROWS = 20_000;
const ANOMALY_ROWS = 1_000;
const FACTORS = 32;
// 48 ≥ the 32 planted factors; a multiple of 16 keeps the WASM matmul on its fast path.
const LOW_RANK = 48;

interface NumpyResult {
  fitSeconds: number;
  float32VectorsPerSecond: number;
  float64VectorsPerSecond: number;
  scores: number[];
}

/** Standard normals from a seeded uniform generator (Box–Muller): fast enough for 10⁸ values in JS. */
function normals(count: number, seed: number, sd = 1): Float32Array {
  const uniform = mulberry32(seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    const r = sd * Math.sqrt(-2 * Math.log(uniform() || 1e-12));
    const theta = 2 * Math.PI * uniform();
    out[i] = r * Math.cos(theta);
    if (i + 1 < count) out[i + 1] = r * Math.sin(theta);
  }
  return out;
}

/** Factor-model activations: 32 strong directions (decaying scales) over an isotropic floor of sd 0.5. */
function activations(dim: number, rows: number, seed: number, shiftLength = 0): Matrix {
  const mixing = normals(FACTORS * dim, dim);
  for (let f = 0; f < FACTORS; f++) for (let c = 0; c < dim; c++) mixing[f * dim + c] *= 3 / Math.sqrt(1 + f);
  const mean = normals(dim, dim + 1);
  const shift = normals(dim, dim + 2);
  const norm = Math.hypot(...shift);
  for (let c = 0; c < dim; c++) shift[c] = shiftLength > 0 ? (shift[c] / norm) * shiftLength : 0;
  const factors = tf.tensor2d(normals(rows * FACTORS, seed), [rows, FACTORS]);
  const mixingT = tf.tensor2d(mixing, [FACTORS, dim]);
  const product = tf.matMul(factors, mixingT);
  const data = product.dataSync() as Float32Array;
  [factors, mixingT, product].forEach((t) => t.dispose());
  const noise = normals(rows * dim, seed + 1, 0.5);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < dim; c++) data[r * dim + c] += noise[r * dim + c] + mean[c] + shift[c];
  return { rows, cols: dim, data };
}

function concat(a: Matrix, b: Matrix): Matrix {
  const data = new Float32Array(a.data.length + b.data.length);
  data.set(a.data);
  data.set(b.data, a.data.length);
  return { rows: a.rows + b.rows, cols: a.cols, data };
}

function vectorsPerSecond(
  detector: GaussianDetector,
  test: Matrix,
  batchRows = 4096,
  repeats = 3,
): { rate: number; scores: Float32Array } {
  const scores = new Float32Array(test.rows);
  let best = Infinity;
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    for (let i = 0; i < test.rows; i += batchRows) {
      const end = Math.min(test.rows, i + batchRows);
      scores.set(
        detector.score({
          rows: end - i,
          cols: test.cols,
          data: test.data.subarray(i * test.cols, end * test.cols),
        }),
        i,
      );
    }
    best = Math.min(best, (performance.now() - start) / 1000);
  }
  return { rate: test.rows / best, scores };
}

const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : String(x));

function benchDim(dim: number, anomalyShift: number, workDir: string): { ratio: number; aurocGap: number } {
  const t0 = performance.now();
  const reference = activations(dim, REFERENCE_ROWS, 11);
  const clean = activations(dim, CLEAN_TEST_ROWS, 21);
  const anomalies = activations(dim, ANOMALY_ROWS, 31, anomalyShift);
  const test = concat(clean, anomalies);
  const refPath = join(workDir, `ref-${dim}.f32`);
  const testPath = join(workDir, `test-${dim}.f32`);
  writeFileSync(refPath, reference.data);
  writeFileSync(testPath, test.data);
  console.log(
    `d=${dim}: generated ${REFERENCE_ROWS} reference + ${test.rows} test vectors in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );

  // tools/python/mahalanobis_bench.py drops OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE for its own process.
  const numpy = runPythonReference<NumpyResult>('mahalanobis_bench.py', {
    dim,
    reference: refPath,
    test: testPath,
    repeats: dim > 1024 ? 1 : 3,
  });
  const numpyAuroc = auroc(numpy.scores.slice(0, CLEAN_TEST_ROWS), numpy.scores.slice(CLEAN_TEST_ROWS));
  console.log(
    `d=${dim}: numpy full-rank fit ${numpy.fitSeconds.toFixed(1)} s, float32 ${Math.round(numpy.float32VectorsPerSecond)} vec/s, ` +
      `float64 ${Math.round(numpy.float64VectorsPerSecond)} vec/s, AUROC ${fmt(numpyAuroc)}`,
  );

  let fitStart = performance.now();
  const lowRank = new GaussianDetector({ rank: LOW_RANK }).fit(reference);
  const lowFit = (performance.now() - fitStart) / 1000;
  const low = vectorsPerSecond(lowRank, test);
  const lowAuroc = auroc(low.scores.subarray(0, CLEAN_TEST_ROWS), low.scores.subarray(CLEAN_TEST_ROWS));
  console.log(
    `d=${dim}: ours low-rank k=${LOW_RANK} (shrinkage ${lowRank.shrinkage.toExponential(2)}) fit ${lowFit.toFixed(1)} s, ${Math.round(low.rate)} vec/s, AUROC ${fmt(lowAuroc)}`,
  );
  lowRank.dispose();

  if (dim <= 1024) {
    fitStart = performance.now();
    const full = new GaussianDetector({ rank: 'full' }).fit(reference);
    const fullFit = (performance.now() - fitStart) / 1000;
    const f = vectorsPerSecond(full, test);
    const fullAuroc = auroc(f.scores.subarray(0, CLEAN_TEST_ROWS), f.scores.subarray(CLEAN_TEST_ROWS));
    console.log(
      `d=${dim}: ours full-rank fit ${fullFit.toFixed(1)} s, ${Math.round(f.rate)} vec/s, AUROC ${fmt(fullAuroc)}`,
    );
    full.dispose();
  }
  // The ratio is against NumPy's faster float32 path, the stricter comparison.
  const ratio = low.rate / numpy.float32VectorsPerSecond;
  const aurocGap = numpyAuroc - lowAuroc;
  console.log(
    `d=${dim}: ratio ours-low-rank/numpy-float32 = ${ratio.toFixed(2)} (vs numpy float64: ${(low.rate / numpy.float64VectorsPerSecond).toFixed(2)}), auroc gap ${fmt(aurocGap)}`,
  );
  return { ratio, aurocGap };
}

async function main(): Promise<void> {
  // MONITOR_BLAS=off measures the WebAssembly kernel and the JavaScript eigensolver, as the monitors would.
  const backend = await initBackend((m) => console.log(m), blasOptions(loadConfig(z.object(blasEnvVars()))));
  console.log(`backend: ${backend}`);
  const workDir = mkdtempSync(join(tmpdir(), 'damon-bench-'));
  try {
    const d768 = benchDim(768, 4, workDir);
    const d4096 = benchDim(4096, 6, workDir);
    const gap = Math.max(d768.aurocGap, d4096.aurocGap);
    const added = benchNewDetectors();
    console.log(
      `detectors: d768_ratio=${d768.ratio.toFixed(2)} d4096_ratio=${d4096.ratio.toFixed(2)} auroc_gap=${gap.toFixed(4)}` +
        ` knn_auroc=${added.knn.toFixed(4)} knn_sklearn=${added.knnSklearn.toFixed(4)} que_auroc=${added.que.toFixed(4)}` +
        ` que_numpy=${added.queNumpy.toFixed(4)} fused_gap=${(added.bestLayer - added.fused).toFixed(4)}`,
    );
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
