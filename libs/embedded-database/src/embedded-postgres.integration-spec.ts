import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TYPESCRIPT_NODE_ARGS } from '@damon/testing';
import { Client } from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedPostgres } from './embedded-postgres';

const dataDir = mkdtempSync(join(tmpdir(), 'damon-embedded-pg-'));
const root = resolve(__dirname, '../../..');

async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as unknown[];
  } finally {
    await client.end();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('EmbeddedPostgres (the npm binaries, a real server)', () => {
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps its data across a stop and a start', async () => {
    const first = new EmbeddedPostgres({ dataDir });
    const started = await first.start();
    expect(started.created).toBe(true);
    await query(started.url, 'CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)');
    await first.stop();

    const again = new EmbeddedPostgres({ dataDir });
    const restarted = await again.start();
    expect(restarted.created).toBe(false);
    expect(await query(restarted.url, 'SELECT v FROM kept')).toEqual([{ v: 42 }]);
    await again.stop();
  });

  it('stops a server left behind by a host killed with SIGKILL, then starts cleanly', async () => {
    const host = spawn(
      process.execPath,
      [
        ...TYPESCRIPT_NODE_ARGS,
        '-e',
        `const { EmbeddedPostgres } = require('./libs/embedded-database/src/embedded-postgres');
         new EmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)} }).start().then(() => console.log('up'));`,
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((done, fail) => {
      host.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('up') && done());
      host.once('exit', (code) => fail(new Error(`host exited ${code}`)));
    });
    const pidFile = join(dataDir, 'pgdata', 'postmaster.pid');
    const orphan = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    host.kill('SIGKILL');
    await new Promise((done) => host.once('exit', done));
    expect(alive(orphan)).toBe(true);

    const messages: string[] = [];
    const next = new EmbeddedPostgres({ dataDir, log: (m) => messages.push(m) });
    const running = await next.start();
    expect(alive(orphan)).toBe(false);
    expect(messages.join('\n')).toContain(`stopping PostgreSQL ${orphan}`);
    expect(await query(running.url, 'SELECT v FROM kept')).toEqual([{ v: 42 }]);
    await next.stop();
    expect(existsSync(pidFile)).toBe(false);
  });
});
