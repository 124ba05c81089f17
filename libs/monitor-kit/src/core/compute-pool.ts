import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { reviveVectorBytes } from '@damon/contracts';
import type { OpenBlasOptions } from '@damon/detectors';
import { Piscina } from 'piscina';
import {
  ComputeWorker,
  fromColumnarScores,
  type ComputeResult,
  type ComputeTask,
  type HandlerModuleRef,
} from './compute-tasks';
import type { AnyStageHandler } from './stage-handler';
import { packByteArrays, packedLength, TransferArenas } from './transfer-arenas';

/**
 * Where a stage monitor's heavy work (decoding vectors, fitting baselines, scoring batches against the
 * fixed baseline) runs, so the thread that fetches, heartbeats and commits stays free.
 */
export interface ComputePool {
  /** Threads tasks run on in parallel (1 for the inline pool). */
  readonly size: number;
  /** `worker-threads` or `inline` (on the calling thread), for logs. */
  readonly mode: 'worker-threads' | 'inline';
  run<T extends ComputeTask>(task: T): Promise<ComputeResult<T>>;
  close(): Promise<void>;
}

/** MONITOR_WORKERS when unset: one core for the main thread, the others for compute, at least 1. */
export function defaultWorkerCount(): number {
  return Math.max(1, availableParallelism() - 1);
}

/**
 * Runs tasks on the calling thread, one at a time: the handlers of the all-in-one runner and tests
 * that build a handler in a closure (no module a worker could load), and MONITOR_WORKERS=0.
 */
export class InlineComputePool implements ComputePool {
  readonly size = 1;
  readonly mode = 'inline' as const;
  private readonly worker: ComputeWorker;

  constructor(handler: AnyStageHandler) {
    this.worker = new ComputeWorker(handler);
  }

  run<T extends ComputeTask>(task: T): Promise<ComputeResult<T>> {
    // A macrotask away, as a worker's answer would be, so the caller's timers (heartbeats) get a turn first.
    return new Promise((resolve, reject) =>
      setImmediate(() => {
        try {
          resolve(this.worker.run(task) as ComputeResult<T>);
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      }),
    );
  }

  close(): Promise<void> {
    this.worker.dispose();
    return Promise.resolve();
  }
}

/** The plain-JS entry piscina loads in each worker (it registers TypeScript when it must). */
export const COMPUTE_WORKER_ENTRY = join(__dirname, 'compute-worker.js');

/**
 * The parent's node flags minus its TypeScript preloads (`-r ts-node/register…`,
 * `-r tsconfig-paths/register`): a worker inheriting them would transpile every module again with
 * ts-node; the worker entry installs its cached hook instead. Flags Node refuses in a worker's
 * execArgv (V8 and process-wide ones such as `--max-old-space-size` or `--expose-gc`, which apply to
 * the whole process anyway) are left out too: passed on, they made the pool's first worker throw and
 * the monitor exit. Other flags (`--cpu-prof`, `-r` of other modules) pass on.
 */
export function workerExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  const isTypeScriptPreload = (module: string) => /^(ts-node|tsconfig-paths)(\/|$)/.test(module);
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const flag = execArgv[i];
    if ((flag === '-r' || flag === '--require') && isTypeScriptPreload(execArgv[i + 1] ?? '')) {
      i += 1;
      continue;
    }
    const inline = /^(?:-r|--require)=(.*)$/.exec(flag);
    if (inline && isTypeScriptPreload(inline[1])) continue;
    kept.push(flag);
  }
  const refused = refusedInWorkers(kept);
  return kept.filter((flag) => !refused.has(flag));
}

/** A flag Node always refuses in a worker's execArgv (a V8 flag, at its default value). */
const REFUSED_SENTINEL = '--stack-size=984';

/**
 * The flags of `execArgv` that Node refuses in a worker's execArgv, as Node itself lists them. The
 * sentinel makes the Worker constructor throw before it starts a thread, whatever the other flags.
 */
function refusedInWorkers(execArgv: readonly string[]): Set<string> {
  try {
    // Only if a later Node accepted the sentinel: a thread that runs nothing, stopped at once.
    void new Worker('', { eval: true, execArgv: [...execArgv, REFUSED_SENTINEL] }).terminate();
    return new Set();
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw error;
    // "Initiated Worker with invalid execArgv flags: --a, --b=1"
    const listed = (error as Error).message.slice((error as Error).message.indexOf(': ') + 2);
    return new Set(listed.split(', ').filter((flag) => flag !== REFUSED_SENTINEL));
  }
}

/**
 * Worker threads through piscina (maintained, no install script; its optional `@napi-rs/nice` only
 * lowers thread priority where present). Each worker builds its own handler from `handler` and
 * initialises its own TensorFlow.js backend; tasks are queued and go to the first idle worker.
 */
export class PiscinaComputePool implements ComputePool {
  readonly mode = 'worker-threads' as const;
  private readonly piscina: Piscina;
  /** Free arenas: one a task in flight (one task a worker) and one being filled. Read by tests. */
  readonly arenas: TransferArenas;

  constructor(
    readonly size: number,
    handler: HandlerModuleRef,
    blas: OpenBlasOptions = {},
  ) {
    this.arenas = new TransferArenas(size + 1);
    this.piscina = new Piscina({
      filename: COMPUTE_WORKER_ENTRY,
      workerData: { handler, blas } satisfies ComputeWorkerData,
      execArgv: workerExecArgv(),
      minThreads: size,
      maxThreads: size,
      // Fitted baselines live in the workers: never let an idle one go.
      idleTimeout: Number.POSITIVE_INFINITY,
      // One task per worker at a time: tasks are synchronous maths, a second one would only wait.
      concurrentTasksPerWorker: 1,
    });
  }

  async run<T extends ComputeTask>(task: T): Promise<ComputeResult<T>> {
    // The task's vector bytes go in one arena that is moved, not cloned (see transfer-arenas.ts).
    const bytes = packedLength(task);
    const arena = bytes > 0 ? this.arenas.take(bytes) : undefined;
    const message: ComputeMessage = { task: arena ? packByteArrays(task, arena) : task, arena };
    const reply = (await this.piscina.run(message, { transferList: arena ? [arena] : [] })) as ComputeReply;
    if (reply.arena) this.arenas.give(reply.arena);
    // Fitted states and stream state are stored as JSON: their vector bytes must stay `VectorBytes`
    // (base64 in JSON) after the structured clone back from the worker. Revived while the score rows
    // are still in columns: the walk visits every object, and a 10-event answer has ~20,000 items.
    return fromColumnarScores(reviveVectorBytes(reply.result as ComputeResult<T>));
  }

  async close(): Promise<void> {
    await this.piscina.destroy();
  }
}

/** A task as it crosses to a worker: its byte arrays are views of `arena`, which is moved with it. */
export interface ComputeMessage {
  task: ComputeTask;
  arena?: ArrayBuffer;
}

/** A worker's answer: `arena` is the task's, moved back for reuse when nothing in `result` views it. */
export interface ComputeReply {
  result: ComputeResult<ComputeTask>;
  arena?: ArrayBuffer;
}

/** What each worker thread is started with. */
export interface ComputeWorkerData {
  handler: HandlerModuleRef;
  /** OpenBLAS options for the worker's own TensorFlow.js backend (MONITOR_BLAS, MONITOR_BLAS_THREADS). */
  blas: OpenBlasOptions;
}

/**
 * The pool for a handler: `workers` worker threads when the handler names a module a worker can build
 * it from (StageHandler.worker) and workers ≥ 1, else the inline pool (on the thread that initialised
 * its backend already).
 */
export function createComputePool(
  handler: AnyStageHandler,
  workers: number,
  blas: OpenBlasOptions = {},
): ComputePool {
  if (workers < 1 || !handler.worker) return new InlineComputePool(handler);
  return new PiscinaComputePool(workers, handler.worker, blas);
}
