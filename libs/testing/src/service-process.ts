import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const repoRoot = resolve(__dirname, '../../..');

export interface ServiceProcess {
  readonly child: ChildProcess;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** Resolves when the output contains `pattern` (e.g. a "ready" log line); rejects on exit or timeout. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** SIGKILL: no shutdown hooks, no commits. */
  kill9(): Promise<void>;
  /** SIGTERM and wait for a graceful exit. */
  stop(timeoutMs?: number): Promise<number | null>;
}

/**
 * Runs an app's TypeScript entry point (e.g. `apps/correlator/src/main.ts`) as a separate Node
 * process, the way a deployment runs it, with the test's environment plus `env` (and `args`, for a CLI).
 */
export function startServiceProcess(
  main: string,
  env: Record<string, string>,
  args: readonly string[] = [],
): ServiceProcess {
  const child = spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      '-r',
      'tsconfig-paths/register',
      resolve(repoRoot, main),
      ...args,
    ],
    {
      cwd: repoRoot,
      env: { ...process.env, TS_NODE_PROJECT: resolve(repoRoot, 'tsconfig.json'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return {
    child,
    output: () => output,
    waitFor: (pattern, timeoutMs = 60_000) =>
      new Promise<void>((done, fail) => {
        const deadline = Date.now() + timeoutMs;
        const poll = setInterval(() => {
          if (pattern.test(output)) {
            clearInterval(poll);
            done();
          } else if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
            clearInterval(poll);
            fail(
              new Error(
                `${main} ${child.exitCode !== null ? `exited (${child.exitCode})` : 'timed out'} before ${pattern}:\n${output.slice(-4000)}`,
              ),
            );
          }
        }, 50);
      }),
    kill9: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    stop: async (timeoutMs = 30_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
