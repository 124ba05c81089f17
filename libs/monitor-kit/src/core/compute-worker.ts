import { workerData } from 'node:worker_threads';
import { initBackend } from '@damon/detectors';
import type { ComputeWorkerData } from './compute-pool';
import { ComputeWorker, toColumnarScores, type ComputeTask } from './compute-tasks';
import type { AnyStageHandler } from './stage-handler';

/** Piscina's task function in each worker thread: builds the handler and the tfjs backend once. */
let ready: Promise<ComputeWorker> | undefined;

async function start(): Promise<ComputeWorker> {
  const { handler: ref, blas } = workerData as ComputeWorkerData;
  // Each thread has its own TensorFlow.js engine: choose and initialise its backend (wasm here, with
  // OpenBLAS for matrix products when the host has it).
  await initBackend(() => undefined, blas);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exported = (require(ref.module) as Record<string, unknown>)[ref.exportName];
  if (typeof exported !== 'function') throw new Error(`${ref.module} has no export ${ref.exportName}`);
  const Handler = exported as new (...args: unknown[]) => AnyStageHandler;
  return new ComputeWorker(new Handler(...(ref.args ?? [])));
}

export default async function runTask(task: ComputeTask) {
  ready ??= start();
  // Score rows go back in columns (PiscinaComputePool.run restores them): far cheaper to clone.
  return toColumnarScores((await ready).run(task));
}
