import { randomBytes } from 'node:crypto';
import { KafkaBus, SILENT_LOGGER } from '@damon/bus';
import type { ApiRole } from '@damon/persistence';
import { createDataSource, createScratchDatabase, type ScratchDatabase } from '@damon/persistence';
import { integrationEnv, pinGroupAtEnds, startServiceProcess, type ServiceProcess } from '@damon/testing';
import type { DataSource } from 'typeorm';

/**
 * The real stack the console runs against: a scratch database on the shared PostgreSQL, the shared
 * Kafka, and the correlator and API as separate processes (the API serving the console build).
 */
export class ConsoleStack {
  readonly run = `console${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  private readonly env = integrationEnv();
  private scratch!: ScratchDatabase;
  dataSource!: DataSource;
  bus!: KafkaBus;
  private correlator?: ServiceProcess;
  private api?: ServiceProcess;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(consoleDir: string): Promise<void> {
    this.scratch = await createScratchDatabase(this.env.databaseUrl, 'damon_test_console');
    this.dataSource = await createDataSource(this.scratch.url, { poolSize: 2 }).initialize();
    await this.dataSource.runMigrations();
    this.bus = new KafkaBus({
      brokers: this.env.kafkaBrokers,
      clientId: `${this.run}-it`,
      logger: SILENT_LOGGER,
    });
    await this.bus.ensureTopics(['damon.alerts', 'damon.lineage', 'damon.incidents']);
    // Shared topics: the correlator's group starts at their end, so it sees only what this test sends.
    await pinGroupAtEnds(this.env.kafkaBrokers, `${this.run}-correlator`);
    this.correlator = startServiceProcess('apps/correlator/src/main.ts', {
      KAFKA_BROKERS: this.env.kafkaBrokers.join(','),
      DATABASE_URL: this.scratch.url,
      CORRELATOR_GROUP: `${this.run}-correlator`,
      GROUP_WAIT_SECONDS: '0',
      PORT: '0',
      KAFKA_SESSION_TIMEOUT_MS: '6000',
    });
    await this.correlator.waitFor(/listening/, 120_000);
    await this.startApi(consoleDir, 0);
  }

  /** The API on `port` (0: any free one, remembered for restarts so open pages keep their origin). */
  async startApi(consoleDir: string, port: number): Promise<void> {
    this.api = startServiceProcess('apps/api/src/main.ts', {
      KAFKA_BROKERS: this.env.kafkaBrokers.join(','),
      DATABASE_URL: this.scratch.url,
      PORT: String(port),
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      CONSOLE_DIR: consoleDir,
    });
    this.port = await this.api.waitForListening(120_000);
  }

  async stopApi(): Promise<void> {
    await this.api?.stop();
    this.api = undefined;
  }

  /** A key made the way an operator makes one: `npm run apikey -- create` (the API's CLI). */
  async key(role: ApiRole, name: string): Promise<{ key: string; id: string }> {
    const out = await this.apikey(['create', '--role', role, '--name', name]);
    const id = /created key (\S+)/.exec(out)?.[1];
    const key = /^(dmn_\S+)$/m.exec(out)?.[1];
    if (!id || !key) throw new Error(`apikey create printed:\n${out}`);
    return { key, id };
  }

  async revoke(id: string): Promise<void> {
    const out = await this.apikey(['revoke', id]);
    if (!out.includes(`revoked ${id}`)) throw new Error(`apikey revoke printed:\n${out}`);
  }

  private async apikey(args: string[]): Promise<string> {
    const cli = startServiceProcess('apps/api/src/apikey-cli.ts', { DATABASE_URL: this.scratch.url }, args);
    return new Promise((done, fail) => {
      cli.child.once('close', (code: number | null) =>
        code === 0
          ? done(cli.output())
          : fail(
              new Error(`apikey ${args.join(' ')} exited ${code}:
${cli.output()}`),
            ),
      );
    });
  }

  logs(): string {
    return `--- api ---\n${this.api?.output().slice(-3000) ?? ''}\n--- correlator ---\n${this.correlator?.output().slice(-3000) ?? ''}`;
  }

  async stop(): Promise<void> {
    await this.api?.stop();
    await this.correlator?.stop();
    await this.bus?.close();
    await this.dataSource?.destroy();
    await this.scratch?.drop();
  }
}
