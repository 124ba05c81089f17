import { workerData } from 'node:worker_threads';
import { initBackend } from '@damon/detectors';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import type { ComputeMessage, ComputeReply, ComputeWorkerData } from './compute-pool';
import { ComputeWorker, toColumnarScores, type ComputeTask } from './compute-tasks';
import { holdsViewOf } from './transfer-arenas';
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

export default async function runTask({ task, arena }: ComputeMessage) {
  ready ??= start();
  // Score rows go back in columns (PiscinaComputePool.run restores them): far cheaper to clone.
  const result = toColumnarScores((await ready).run(task));
  if (!arena || !mayReturn(task, result, arena)) return { result } satisfies ComputeReply;
  const reply: ComputeReply = { result, arena };
  // Piscina's transferable protocol: the answer is `reply`, and `arena` is moved, not cloned.
  return move({ [transferableSymbol]: [arena], [valueSymbol]: reply });
}

/**
 * Whether a task's arena may go back to be overwritten by the next task: only a score task's, and
 * only when nothing but its events' bytes lived there (what `prepare` makes of them, views included,
 * lasts only as long as the task: StageHandler.prepare's contract) and the answer views none of it.
 * Baseline states (loaded and cached here, where a detector may keep a view), supervised states and a
 * fit's reference keep theirs.
 */
function mayReturn(task: ComputeTask, result: unknown, arena: ArrayBuffer): boolean {
  if (task.kind !== 'score') return false;
  const { events: _events, ...rest } = task;
  return !holdsViewOf(rest, arena) && !holdsViewOf(result, arena);
}
