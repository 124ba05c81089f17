import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { databaseUrlVar, kafkaBrokersVar, loadConfig } from '@damon/config';
import { z } from 'zod';

const repoRoot = resolve(__dirname, '../../..');

export interface StartedService {
  /** Connection string (KAFKA_BROKERS or DATABASE_URL value). */
  url: string;
  /** True when this call started the server (and so `stop` will stop it). */
  started: boolean;
  stop(): void;
}

type ServiceVariable = 'KAFKA_BROKERS' | 'DATABASE_URL';

const integrationEnvSchema = z.object({ KAFKA_BROKERS: kafkaBrokersVar(), DATABASE_URL: databaseUrlVar() });

/**
 * The Kafka brokers and database integration tests use: KAFKA_BROKERS / DATABASE_URL, which the
 * integration project's global setup sets when it starts the servers itself.
 */
export function integrationEnv(): { kafkaBrokers: string[]; databaseUrl: string } {
  const env = loadConfig(integrationEnvSchema);
  if (!env.KAFKA_BROKERS || !env.DATABASE_URL) {
    throw new Error(
      'KAFKA_BROKERS and DATABASE_URL are not set: run integration tests through `npm run test:integration`',
    );
  }
  return { kafkaBrokers: env.KAFKA_BROKERS, databaseUrl: env.DATABASE_URL };
}

/**
 * Uses KAFKA_BROKERS when set; otherwise starts the real single-node broker through
 * infra/kafka/start, sets KAFKA_BROKERS for child processes, and returns a `stop` that stops it
 * (only when this call started it).
 */
export function ensureKafka(): StartedService {
  return ensureService('KAFKA_BROKERS', 'infra/kafka');
}

/** Uses DATABASE_URL when set; otherwise starts PostgreSQL through infra/postgres/start. */
export function ensurePostgres(): StartedService {
  return ensureService('DATABASE_URL', 'infra/postgres');
}

function ensureService(variable: ServiceVariable, folder: string): StartedService {
  const existing = loadConfig(integrationEnvSchema)[variable];
  if (existing)
    return {
      url: Array.isArray(existing) ? existing.join(',') : existing,
      started: false,
      stop: () => undefined,
    };
  const lines = runScript(`${folder}/start`).trim().split('\n');
  const last = lines.at(-1) ?? '';
  if (!last.startsWith(`${variable}=`))
    throw new Error(`${folder}/start did not print ${variable}=… last:\n${lines.join('\n')}`);
  const url = last.slice(variable.length + 1).trim();
  // A server that was already running (another run's, or a developer's) is left running.
  const started = lines.at(-2) !== 'STARTED=no';
  setForChildProcesses(variable, url);
  return {
    url,
    started,
    stop: () => {
      if (started) runScript(`${folder}/stop`);
      setForChildProcesses(variable, undefined);
    },
  };
}

/** Test workers and spawned services inherit the environment: this is how they learn the URLs. */
function setForChildProcesses(variable: ServiceVariable, value: string | undefined): void {
  if (value === undefined) delete process.env[variable];
  else process.env[variable] = value;
}

function runScript(script: string): string {
  const result = spawnSync('bash', [resolve(repoRoot, script)], {
    cwd: repoRoot,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 15 * 60_000,
  });
  if (result.status !== 0) {
    throw new Error(`${script} failed (exit ${result.status ?? result.signal}):\n${result.stdout}`);
  }
  return result.stdout;
}
