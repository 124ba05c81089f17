/**
 * Where the representation monitor's time goes, stage by stage, in one process (no broker, no
 * database): JSON parse + schema validation of the 2 MB ActivationBatch, vector decoding, each
 * detector's scoring, fusion and alert drafting, then building and validating the outgoing
 * ScoreBatch / StageAlert messages. Median of BENCH_ROUNDS rounds, milliseconds per batch.
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/pipeline/stage-profile.ts
 */
import { randomUUID } from 'node:crypto';
import {
  encodeVectors,
  validateEvent,
  type ActivationBatch,
  type Topic,
  type TopicMap,
} from '@damon/contracts';
import { integerVar, loadConfig } from '@damon/config';
import { CBLAS, initBackend, median, normalGenerator, openBlas } from '@damon/detectors';
import { blasEnvVars, blasOptions, type MonitorSettingsValues } from '@damon/monitor-kit';
import { RepresentationStageHandler } from '@damon/stage-representations';
import { z } from 'zod';

const DIM = 768;
const ITEMS = 256;
const benchEnv = loadConfig(
  z.object({
    ...blasEnvVars(),
    BENCH_ROUNDS: integerVar({ min: 1, max: 1000, default: 15 }),
    /** MONITOR_GAUSSIAN_RANK as the monitor reads it: auto (exact at d = 768), full or k (low-rank path). */
    BENCH_GAUSSIAN_RANK: z
      .string()
      .regex(/^(auto|full|[1-9][0-9]*)$/)
      .transform((raw): 'auto' | 'full' | number => (raw === 'auto' || raw === 'full' ? raw : Number(raw)))
      .default('auto'),
  }),
);
const { BENCH_ROUNDS: ROUNDS, BENCH_GAUSSIAN_RANK: RANK } = benchEnv;

function activationBatch(randn: () => number, mixing: Float32Array, trusted: boolean): ActivationBatch {
  const l0 = new Float32Array(ITEMS * DIM);
  const l1 = new Float32Array(ITEMS * DIM);
  for (let r = 0; r < ITEMS; r++) {
    const z = Array.from({ length: 8 }, randn);
    for (let c = 0; c < DIM; c++) {
      let v = 0.5 * randn();
      for (let f = 0; f < 8; f++) v += z[f] * mixing[f * DIM + c];
      l0[r * DIM + c] = v;
    }
    for (let c = 0; c < DIM; c++)
      l1[r * DIM + c] = 0.8 * l0[r * DIM + ((c * 7) % DIM)] + 0.2 * l0[r * DIM + c] + 0.3 * randn();
  }
  const batchId = randomUUID();
  return {
    eventId: randomUUID(),
    schemaVersion: 1,
    occurredAt: new Date().toISOString(),
    subject: { kind: 'model', id: 'profile-model' },
    batchId,
    trusted,
    items: Array.from({ length: ITEMS }, (_, i) => ({ itemId: `${batchId}-${i}` })),
    layers: [
      { name: 'l0', dim: DIM, vectors: encodeVectors(l0, [ITEMS, DIM]) },
      { name: 'l1', dim: DIM, vectors: encodeVectors(l1, [ITEMS, DIM]) },
    ],
  };
}

/** What the bus does on each side (libs/bus/src/event-codec.ts, not exported). */
function decodeEvent<T extends Topic>(topic: T, raw: Buffer) {
  return validateEvent(topic, JSON.parse(raw.toString('utf8')));
}
function encodeEvent<T extends Topic>(topic: T, payload: TopicMap[T]): Buffer {
  const result = validateEvent(topic, payload);
  if (!result.ok) throw new Error(result.reason);
  return Buffer.from(JSON.stringify(result.value), 'utf8');
}

async function main(): Promise<void> {
  console.log(`backend ${await initBackend((m) => console.log(m), blasOptions(benchEnv))}`);
  const randn = normalGenerator(7);
  const mixing = Float32Array.from({ length: 8 * DIM }, () => randn());
  const settings: MonitorSettingsValues = {
    alpha: 0.01,
    referenceSize: 2048,
    calibrationFraction: 0.3,
    referenceMode: 'trusted',
    maxBatchItems: 4096,
    windowSize: 500,
    fusion: 'fisher',
    detectors: {},
  };
  const handler = new RepresentationStageHandler({ rank: RANK });
  console.log(`Gaussian rank ${RANK}`);
  const reference = Array.from({ length: 8 }, () =>
    handler.prepare(activationBatch(randn, mixing, true), settings),
  );
  const fitStarted = performance.now();
  const states = handler.fit(reference, settings);
  console.log(`fit: ${(performance.now() - fitStarted).toFixed(0)} ms`);
  const fitted = handler.load(JSON.parse(JSON.stringify(states)) as typeof states);

  const raws = Array.from({ length: 4 }, () =>
    Buffer.from(JSON.stringify(activationBatch(randn, mixing, false))),
  );
  const timings: Record<string, number[]> = {};
  const time = <R>(name: string, run: () => R): R => {
    const started = performance.now();
    const result = run();
    (timings[name] ??= []).push(performance.now() - started);
    return result;
  };
  for (let round = 0; round < ROUNDS; round++) {
    const raw = raws[round % raws.length];
    const parsed = time('json.parse', () => JSON.parse(raw.toString('utf8')) as unknown);
    void parsed;
    const decoded = time('decodeEvent (parse+zod)', () => decodeEvent('damon.telemetry.repr', raw));
    if (!decoded.ok) throw new Error(decoded.reason);
    const prepared = time('prepare (base64+finite)', () => handler.prepare(decoded.value, settings));
    for (const c of fitted.components) time(`score ${c.key}`, () => c.score(prepared.layers));
    const outcome = time('handler.score (all)', () => handler.score(prepared, fitted, settings, {}));
    const messages = time('encode ScoreBatches (zod+json)', () =>
      outcome.scores.map((rows) =>
        encodeEvent('damon.scores', {
          eventId: randomUUID(),
          schemaVersion: 1,
          occurredAt: new Date().toISOString(),
          subject: { kind: 'model', id: 'profile-model' },
          detector: rows.detector,
          ...(rows.layer !== undefined ? { layer: rows.layer } : {}),
          items: rows.items,
        }),
      ),
    );
    void messages;
  }
  for (const [name, values] of Object.entries(timings))
    console.log(`${name.padEnd(36)} ${median(values).toFixed(2)} ms`);
  handler.dispose(fitted);
  printSgemmRate(randn);
}

/**
 * The rate of the product that dominates exact scoring, the k-NN cross term of one layer (256 queries
 * × d = 768 against 1024 kept reference rows), in OpenBLAS's sgemm alone: what the kernel family
 * (OPENBLAS_CORETYPE, read by OpenBLAS when it loads: `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE` in
 * front of the command lets it choose) gives on this CPU.
 */
function printSgemmRate(randn: () => number): void {
  const blas = openBlas();
  if (!blas) return;
  const [m, n, k] = [256, 1024, DIM];
  const a = Float32Array.from({ length: m * k }, randn);
  const b = Float32Array.from({ length: n * k }, randn);
  const c = new Float32Array(m * n);
  const product = () =>
    blas.sgemm(CBLAS.rowMajor, CBLAS.noTrans, CBLAS.trans, m, n, k, 1, a, k, b, k, 0, c, n);
  for (let i = 0; i < 20; i++) product();
  const times = Array.from({ length: 5 }, () => {
    const started = performance.now();
    for (let i = 0; i < 40; i++) product();
    return (performance.now() - started) / 40;
  });
  const ms = median(times);
  console.log(
    `${'sgemm 256×768 · 768×1024'.padEnd(36)} ${ms.toFixed(2)} ms (${((2 * m * n * k) / ms / 1e6).toFixed(0)} GFLOP/s, ${blas.core} kernels)`,
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
