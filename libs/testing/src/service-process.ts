import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const repoRoot = resolve(__dirname, '../../..');

export interface ServiceProcess {
  readonly child: ChildProcess;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** Resolves when the output contains `pattern` (e.g. a "ready" log line); rejects on exit or timeout. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /**
   * Resolves with the port of the service's JSON `listening` log line (`{"msg":"listening","port":…}`,
   * in whatever key order the logger writes); rejects on exit or timeout.
   */
  waitForListening(timeoutMs?: number): Promise<number>;
  /** SIGKILL: no shutdown hooks, no commits. */
  kill9(): Promise<void>;
  /** SIGTERM and wait for a graceful exit. */
  stop(timeoutMs?: number): Promise<number | null>;
  /**
   * Ctrl-C: SIGINT to the process's whole group, as a terminal sends it (processes started by
   * `startNpmScript` lead their own group), and wait for the exit code.
   */
  interrupt(timeoutMs?: number): Promise<number | null>;
}

/** Node's arguments that run the repository's TypeScript as a deployment does (before the script). */
export const TYPESCRIPT_NODE_ARGS: readonly string[] = [
  '-r',
  'ts-node/register/transpile-only',
  '-r',
  'tsconfig-paths/register',
];

/**
 * Runs an app's TypeScript entry point (e.g. `apps/correlator/src/main.ts`) as a separate Node
 * process, the way a deployment runs it, with the test's environment plus `env` (and `args`, for a CLI);
 * a variable `env` sets to undefined is left out.
 */
export function startServiceProcess(
  main: string,
  env: Record<string, string | undefined>,
  args: readonly string[] = [],
  /** Flags for node itself (e.g. `--cpu-prof`), before the entry point. */
  nodeArgs: readonly string[] = [],
): ServiceProcess {
  const child = spawn(
    process.execPath,
    [...nodeArgs, ...TYPESCRIPT_NODE_ARGS, resolve(repoRoot, main), ...args],
    {
      cwd: repoRoot,
      env: { ...process.env, TS_NODE_PROJECT: resolve(repoRoot, 'tsconfig.json'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return watchProcess(child, main);
}

/**
 * Runs `npm <args>` in the repository as a user types it (e.g. `['start', '--', '--data-dir', dir]`),
 * in its own process group, with the test's environment minus `unset`, plus `env`.
 */
export function startNpmScript(
  args: string[],
  options: { env?: Record<string, string>; unset?: string[] } = {},
): ServiceProcess {
  const env: Record<string, string | undefined> = { ...process.env, ...options.env };
  for (const name of options.unset ?? []) delete env[name];
  const child = spawn('npm', args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  return watchProcess(child, `npm ${args.join(' ')}`);
}

/** The port in the first JSON log line whose `msg` is `listening`, if one was printed. */
export function listeningPort(output: string): number | undefined {
  for (const line of output.split('\n')) {
    if (!line.includes('"listening"')) continue;
    try {
      const parsed = JSON.parse(line) as { msg?: unknown; port?: unknown };
      if (parsed.msg === 'listening' && typeof parsed.port === 'number') return parsed.port;
    } catch {
      // not a JSON log line
    }
  }
  return undefined;
}

function watchProcess(child: ChildProcess, main: string): ServiceProcess {
  let output = '';
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const service: ServiceProcess = {
    child,
    output: () => output,
    waitForListening: async (timeoutMs = 60_000) => {
      await service.waitFor(/"listening"/, timeoutMs);
      const started = Date.now();
      // the line may have arrived in pieces: wait for its end
      for (;;) {
        const port = listeningPort(output);
        if (port !== undefined) return port;
        if (Date.now() - started > 5_000)
          throw new Error(`${main}: a "listening" line without a port:\n${output.slice(-4000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
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
    interrupt: async (timeoutMs = 60_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      process.kill(-child.pid!, 'SIGINT');
      const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  return service;
}
