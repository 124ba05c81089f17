import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const repoRoot = resolve(__dirname, '..');

function bash(
  script: string,
  env: Record<string, string>,
): { status: number | null; stdout: string; stderr: string } {
  const assignments = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  const result = spawnSync('env', [...assignments, 'bash', '-c', script], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 5 * 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('infra scripts', () => {
  it('infra/kafka/start: the broker does not inherit a lock file its caller holds on a descriptor', () => {
    const dir = mkdtempSync(join(tmpdir(), 'damon-kafka-fd-'));
    const lock = join(dir, 'caller.lock');
    const port = 50_000 + Math.floor(Math.random() * 1_000);
    const env = {
      KAFKA_PORT: String(port),
      KAFKA_CONTROLLER_PORT: String(port + 1_000),
      KAFKA_DATA_DIR: join(dir, 'kafka'),
      KAFKA_HEAP: '256m',
    };
    try {
      const started = bash(`exec 9>"${lock}" && flock 9 && bash infra/kafka/start`, env);
      expect(started.status, started.stderr).toBe(0);
      const pid = readFileSync(join(dir, 'kafka', 'kafka.pid'), 'utf8').trim();
      const open = readdirSync(`/proc/${pid}/fd`).map((fd) => {
        try {
          return readlinkSync(`/proc/${pid}/fd/${fd}`);
        } catch {
          return '';
        }
      });
      expect(open.length).toBeGreaterThan(3);
      expect(open).not.toContain(lock);
      // Nobody else holds the lock now that the caller is gone.
      expect(bash(`exec 9>"${lock}" && flock -n 9`, {}).status).toBe(0);
    } finally {
      bash('bash infra/kafka/stop', env);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('infra/postgres/start: a repository under a folder postgres cannot traverse gets a data folder it can use', () => {
    // A copy of the scripts under a mktemp -d folder (mode 700, root's), as a clone under /root would be.
    const hidden = mkdtempSync(join(tmpdir(), 'damon-hidden-repo-'));
    expect(statSync(hidden).mode & 0o077).toBe(0);
    cpSync(resolve(repoRoot, 'infra/postgres'), join(hidden, 'infra/postgres'), { recursive: true });
    const env = { PG_PORT: String(51_000 + Math.floor(Math.random() * 1_000)), PG_DATABASE: 'damon' };
    try {
      const started = bash(`bash "${hidden}/infra/postgres/start"`, env);
      expect(started.status, started.stderr).toBe(0);
      expect(started.stdout).toMatch(/DATABASE_URL=postgres:\/\/postgres@127\.0\.0\.1:\d+\/damon\s*$/);
      const chosen = /using (\/var\/tmp\/damon-postgres-[0-9a-f]{12})/.exec(started.stderr)?.[1];
      expect(chosen, started.stderr).toBeDefined();
      expect(existsSync(join(chosen!, 'cluster', 'PG_VERSION'))).toBe(true);
      // stop finds the same folder.
      const stopped = bash(`bash "${hidden}/infra/postgres/stop"`, env);
      expect(stopped.status, stopped.stderr).toBe(0);
      expect(stopped.stderr).toContain('stopping');
      rmSync(chosen!, { recursive: true, force: true });
    } finally {
      bash(`bash "${hidden}/infra/postgres/stop"`, env);
      rmSync(hidden, { recursive: true, force: true });
    }
  });
});
