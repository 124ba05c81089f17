import type { INestApplication, INestApplicationContext, Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createApiApplication, DEFAULT_API_SETTINGS } from '@damon/api';
import { createBus, type Bus } from '@damon/bus';
import {
  CorrelationModule,
  correlatorMetrics,
  DEFAULT_CORRELATION_SETTINGS,
  IncidentOutboxPublisher,
} from '@damon/correlation';
import { EmbeddedPostgres } from '@damon/embedded-database';
import { BUS, InfrastructureModule } from '@damon/infrastructure';
import { loadMonitorEnv, MonitorKitModule, MonitorMetrics, type AnyStageHandler } from '@damon/monitor-kit';
import { JsonLogger, jsonLogLevel, MetricsSources, ObservabilityModule } from '@damon/observability';
import { createDataSource } from '@damon/persistence';
import { DataStageHandler } from '@damon/stage-data';
import { RepresentationStageHandler, VerdictProbeService } from '@damon/stage-representations';
import { SignalStageHandler } from '@damon/stage-signals';
import { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import type { AllInOneConfig } from './all-in-one-config';

export interface PlatformOptions {
  config: AllInOneConfig;
  /** Folder of the embedded database (used only without DATABASE_URL). */
  dataDir: string;
  /** The console's production build to serve at `/` (built while the platform starts), if any. */
  consoleDir: Promise<string | undefined>;
  print: (line: string) => void;
}

export interface PlatformCounts {
  eventsIn: number;
  alerts: number;
  openIncidents: number;
}

const STAGES: {
  name: string;
  handler: () => AnyStageHandler;
  referenceSize: (c: AllInOneConfig) => number;
  /** Providers the stage's app adds beside the kit (as its app module does). */
  providers?: Provider[];
}[] = [
  { name: 'data', handler: () => new DataStageHandler(), referenceSize: (c) => c.DATA_REFERENCE_SIZE },
  { name: 'signals', handler: () => new SignalStageHandler(), referenceSize: (c) => c.SIGNAL_REFERENCE_SIZE },
  {
    name: 'representations',
    handler: () => new RepresentationStageHandler(),
    referenceSize: (c) => c.REPRESENTATION_REFERENCE_SIZE,
    providers: [VerdictProbeService],
  },
];

/**
 * The whole platform in one process: the three stage monitors and the correlator as Nest application
 * contexts and the API as the HTTP application, built from the same library modules the services
 * use, all handed ONE bus and ONE DataSource. Each part keeps its own Nest container (and metrics
 * registry), so the parts stay as independent as they are when deployed apart; the API's /metrics
 * shows every part's series (MetricsSources).
 */
export class Platform {
  private database?: EmbeddedPostgres;
  private dataSource?: DataSource;
  private bus?: Bus;
  private monitors: INestApplicationContext[] = [];
  private correlator?: INestApplicationContext;
  private api?: INestApplication;
  private metrics: MonitorMetrics[] = [];
  private consoleDir?: string;
  /** `embedded` or the URL's host, for the banner. */
  databaseLabel = '';
  busLabel = '';
  databaseUrl = '';

  constructor(private readonly options: PlatformOptions) {}

  get shared(): { bus: Bus; dataSource: DataSource } {
    if (!this.bus || !this.dataSource) throw new Error('platform not started');
    return { bus: this.bus, dataSource: this.dataSource };
  }

  async start(): Promise<void> {
    const { config, print } = this.options;
    const logger = new JsonLogger(jsonLogLevel(config.LOG_LEVEL));
    if (config.DATABASE_URL) {
      this.databaseUrl = config.DATABASE_URL;
      this.databaseLabel = `PostgreSQL at ${new URL(config.DATABASE_URL).host}`;
    } else {
      this.database = new EmbeddedPostgres({ dataDir: this.options.dataDir, log: print });
      const running = await this.database.start();
      this.databaseUrl = running.url;
      this.databaseLabel = `embedded PostgreSQL in ${this.options.dataDir}`;
    }
    this.dataSource = await createDataSource(this.databaseUrl, { poolSize: 20 }).initialize();
    const applied = await this.dataSource.runMigrations();
    if (applied.length > 0) print(`applied ${applied.length} database migration(s)`);
    // Kafka when KAFKA_BROKERS is set, else the in-process bus, chosen here on purpose.
    // Batch latency of the correlator's group (Kafka only: the in-process bus reports none).
    let correlatorBatches: ((seconds: number) => void) | undefined;
    const correlatorGroup = `${config.CONSUMER_GROUP_PREFIX}${DEFAULT_CORRELATION_SETTINGS.group}`;
    this.bus = createBus({
      brokers: config.KAFKA_BROKERS,
      memory: true,
      clientId: 'all-in-one',
      onBatchHandled: (group, _messages, seconds) => {
        if (group === correlatorGroup) correlatorBatches?.(seconds);
      },
      logger: logger.forContext('bus'),
    });
    this.busLabel = config.KAFKA_BROKERS ? `Kafka at ${config.KAFKA_BROKERS.join(',')}` : 'in-process bus';
    const shared = this.shared;

    for (const stage of STAGES) {
      const env = loadMonitorEnv(
        {
          DATABASE_URL: this.databaseUrl,
          // The monitors run as application contexts here: no HTTP server of their own.
          PORT: '0',
          LOG_LEVEL: config.LOG_LEVEL,
          MONITOR_ALPHA: config.MONITOR_ALPHA,
          MONITOR_REFERENCE_SIZE: String(stage.referenceSize(config)),
          // Half held out: calibrated p-values reach down to 1/(n/2 + 1), below MONITOR_ALPHA.
          MONITOR_CALIBRATION_FRACTION: '0.5',
          ...(config.CONSUMER_GROUP_PREFIX
            ? { MONITOR_GROUP: `${config.CONSUMER_GROUP_PREFIX}${stage.name}-monitor` }
            : {}),
        },
        // The parts share the platform's bus (in-process unless KAFKA_BROKERS is set).
        { embedded: true },
      );
      const kit = MonitorKitModule.forStage({ handler: stage.handler, env, shared });
      const monitor = await NestFactory.createApplicationContext(
        stage.providers ? { module: class StageHost {}, imports: [kit], providers: stage.providers } : kit,
        { logger },
      );
      this.monitors.push(monitor);
      await monitor.init();
      this.metrics.push(monitor.get(MonitorMetrics));
    }

    this.correlator = await NestFactory.createApplicationContext(
      {
        module: class CorrelatorHost {},
        imports: [
          ObservabilityModule,
          InfrastructureModule.forRoot({
            bus: { shared: shared.bus },
            database: { shared: shared.dataSource },
          }),
          CorrelationModule.forRootAsync({
            inject: [BUS, DataSource, Registry],
            useFactory: (bus: Bus, dataSource: DataSource, registry: Registry) => {
              const metrics = correlatorMetrics(registry, dataSource);
              correlatorBatches = (seconds) => metrics.batchHandled(seconds);
              return {
                bus,
                dataSource,
                settings: {
                  ...DEFAULT_CORRELATION_SETTINGS,
                  group: correlatorGroup,
                  groupWaitMs: config.GROUP_WAIT_SECONDS * 1_000,
                },
              };
            },
          }),
        ],
      },
      { logger },
    );
    await this.correlator.init();

    this.consoleDir = await this.options.consoleDir;
    this.api = await createApiApplication({
      ...shared,
      settings: DEFAULT_API_SETTINGS,
      logger,
      consoleDir: this.consoleDir,
    });
    const metrics = this.api.get(MetricsSources);
    for (const part of [...this.monitors, this.correlator]) metrics.include(part.get(Registry));
    await this.api.listen(config.PORT);
  }

  consoleServed(): boolean {
    return this.consoleDir !== undefined;
  }

  async counts(): Promise<PlatformCounts> {
    const sum = async (pick: (m: MonitorMetrics) => { get(): Promise<{ values: { value: number }[] }> }) => {
      let total = 0;
      for (const m of this.metrics) for (const v of (await pick(m).get()).values) total += v.value;
      return total;
    };
    const rows: { n: number }[] = await this.shared.dataSource.query(
      `SELECT count(*)::int AS n FROM incidents WHERE status = 'open'`,
    );
    return {
      eventsIn: await sum((m) => m.consumed),
      alerts: await sum((m) => m.alerts),
      openIncidents: rows[0]?.n ?? 0,
    };
  }

  /**
   * Stops in dependency order: the API (no new commands), the monitors (each finishes its batch in
   * hand and commits), the correlator (then a last outbox drain), and only then the shared bus, the
   * pool and the embedded server, so the data folder is consistent for the next start.
   */
  async stop(): Promise<void> {
    await this.api?.close();
    this.api = undefined;
    for (const monitor of this.monitors.splice(0)) await monitor.close();
    if (this.correlator) {
      const outbox = this.correlator.get(IncidentOutboxPublisher);
      await this.correlator.close();
      await outbox.idle();
      // What is not published now stays in the outbox for the next start.
      await outbox.drain().catch(() => 0);
      this.correlator = undefined;
    }
    await this.bus?.close();
    this.bus = undefined;
    if (this.dataSource?.isInitialized) await this.dataSource.destroy();
    this.dataSource = undefined;
    await this.database?.stop();
    this.database = undefined;
  }
}
