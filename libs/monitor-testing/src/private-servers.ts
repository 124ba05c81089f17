import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repoRoot = resolve(__dirname, '../../..');

/**
 * A real server of the test's own (started through infra/, on its own port and data folder), for
 * outage tests: the shared servers other tests use are never stopped.
 */
export interface PrivateServer {
  /** DATABASE_URL or KAFKA_BROKERS value. */
  readonly url: string;
  readonly port: number;
  /** Stops the server (an outage); `start()` brings it back on the same port with the same data. */
  stop(): void;
  start(): void;
  /** Stops it and removes its data folder. */
  remove(): void;
}

/** A free-looking port in a range the shared servers and other helpers do not use. */
function randomPort(base: number): number {
  return base + Math.floor(Math.random() * 2_000);
}

function run(script: string, env: Record<string, string>): string {
  // `env NAME=value … bash script`: the script sees the test's environment plus its own settings.
  const assignments = Object.entries(env).map(([name, value]) => `${name}=${value}`);
  const result = spawnSync('env', [...assignments, 'bash', resolve(repoRoot, script)], {
    cwd: repoRoot,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 5 * 60_000,
  });
  if (result.status !== 0)
    throw new Error(
      `${script} failed (exit ${result.status ?? result.signal}):\n${result.stdout}${result.stderr}`,
    );
  return result.stdout;
}

function lastValue(stdout: string, variable: string): string {
  const line = stdout
    .trim()
    .split('\n')
    .findLast((l) => l.startsWith(`${variable}=`));
  if (!line) throw new Error(`no ${variable}= line in:\n${stdout}`);
  return line.slice(variable.length + 1).trim();
}

/** A private PostgreSQL (infra/postgres/start) on a random port, its data under a fresh temp folder. */
export function startPrivatePostgres(): PrivateServer {
  const dataDir = mkdtempSync(join(tmpdir(), 'damon-private-pg-'));
  const port = randomPort(46_000);
  const env = { PG_PORT: String(port), PG_DATA_DIR: dataDir, PG_DATABASE: 'damon' };
  const url = lastValue(run('infra/postgres/start', env), 'DATABASE_URL');
  return {
    url,
    port,
    stop: () => void run('infra/postgres/stop', env),
    start: () => void run('infra/postgres/start', env),
    remove: () => {
      run('infra/postgres/stop', env);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A private single-node Kafka (infra/kafka/start) on random ports, its data under a fresh temp folder. */
export function startPrivateKafka(): PrivateServer {
  const dataDir = mkdtempSync(join(tmpdir(), 'damon-private-kafka-'));
  const port = randomPort(48_000);
  const env = {
    KAFKA_PORT: String(port),
    KAFKA_CONTROLLER_PORT: String(port + 2_000),
    KAFKA_DATA_DIR: dataDir,
    KAFKA_HEAP: '256m',
  };
  const url = lastValue(run('infra/kafka/start', env), 'KAFKA_BROKERS');
  return {
    url,
    port,
    stop: () => void run('infra/kafka/stop', env),
    start: () => void run('infra/kafka/start', env),
    remove: () => {
      run('infra/kafka/stop', env);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
