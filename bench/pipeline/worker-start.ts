/**
 * What a compute worker costs to start: from `new PiscinaComputePool` to the answer of its first task
 * (the worker loads its code, builds the representation handler and its TensorFlow.js backend).
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/pipeline/worker-start.ts
 * Last line: `worker-start: ms=<median> rounds=<n>`.
 */
import { integerVar, loadConfig } from '@damon/config';
import { PiscinaComputePool, defaultSettings, loadMonitorEnv } from '@damon/monitor-kit';
import { z } from 'zod';

const ROUNDS = loadConfig(
  z.object({ BENCH_ROUNDS: integerVar({ min: 1, max: 20, default: 3 }) }),
).BENCH_ROUNDS;

async function once(): Promise<number> {
  const started = performance.now();
  const pool = new PiscinaComputePool(1, {
    module: '@damon/stage-representations',
    exportName: 'RepresentationStageHandler',
    args: [{}],
  });
  // A subject the worker has never seen: it answers `needStates` as soon as it is up.
  const result = await pool.run({
    kind: 'score',
    subject: 'model:worker-start',
    version: 1,
    settings: defaultSettings(
      loadMonitorEnv({ DATABASE_URL: 'postgres://unused/x', PORT: '0' }, { embedded: true }),
    ),
    shape: undefined,
    stream: {},
    events: [],
  });
  const ms = performance.now() - started;
  if (!('needStates' in result)) throw new Error('expected needStates from a fresh worker');
  await pool.close();
  return ms;
}

async function main(): Promise<void> {
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    times.push(await once());
    console.error(`[worker-start] #${i + 1}: ${Math.round(times[i])} ms`);
  }
  const sorted = [...times].sort((a, b) => a - b);
  console.log(`worker-start: ms=${Math.round(sorted[Math.floor(sorted.length / 2)])} rounds=${ROUNDS}`);
}

void main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
