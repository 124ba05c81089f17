import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const repoRoot = resolve(__dirname, '../../..');

export interface StartedService {
  /** Connection string (KAFKA_BROKERS or DATABASE_URL value). */
  url: string;
  /** True when this call started the server (and so `stop` will stop it). */
  started: boolean;
  stop(): void;
}

/**
 * Uses KAFKA_BROKERS when set; otherwise starts the real single-node broker through
 * infra/kafka/start and returns a `stop` that stops it.
 */
export function ensureKafka(): StartedService {
  return ensureService('KAFKA_BROKERS', 'infra/kafka');
}

/** Uses DATABASE_URL when set; otherwise starts PostgreSQL through infra/postgres/start. */
export function ensurePostgres(): StartedService {
  return ensureService('DATABASE_URL', 'infra/postgres');
}

function ensureService(variable: 'KAFKA_BROKERS' | 'DATABASE_URL', folder: string): StartedService {
  const existing = process.env[variable];
  if (existing) return { url: existing, started: false, stop: () => undefined };
  const started = runScript(`${folder}/start`);
  const line = started
    .split('\n')
    .reverse()
    .find((l) => l.startsWith(`${variable}=`));
  if (!line) throw new Error(`${folder}/start did not print ${variable}=…:\n${started}`);
  const url = line.slice(variable.length + 1).trim();
  process.env[variable] = url;
  return {
    url,
    started: true,
    stop: () => {
      runScript(`${folder}/stop`);
      delete process.env[variable];
    },
  };
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
