import { Module, type DynamicModule } from '@nestjs/common';
import { createBus, type Bus, type BusLogger } from '@damon/bus';
import { createDataSource } from '@damon/persistence';
import { JsonLogger, ObservabilityModule, jsonLogLevel } from '@damon/observability';
import { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { loadMonitorEnv, type MonitorEnv } from './monitor-config';
import { MonitorMetrics } from './monitor-metrics';
import { MONITOR_BUS, MONITOR_ENV, MONITOR_OWNS_RESOURCES, STAGE_HANDLER } from './monitor.tokens';
import type { AnyStageHandler } from './stage-handler';
import { StageMonitorService } from './stage-monitor.service';

export interface MonitorKitOptions {
  handler: (env: MonitorEnv) => AnyStageHandler;
  /** Tests pass their own; otherwise read (and validated) from the environment once. */
  env?: MonitorEnv;
  /**
   * A bus and an initialised DataSource owned by the host (the all-in-one runner shares one of each
   * between every part): the kit uses them and leaves closing them to the host.
   */
  shared?: { bus: Bus; dataSource: DataSource };
}

/**
 * The bus logger: warnings to the JSON log, and the bus's own dead letters (schema violations,
 * handlers that kept failing) counted in the same DLQ metric as the monitor's semantic rejections.
 */
function busLogger(logger: JsonLogger, metrics: MonitorMetrics): BusLogger {
  return {
    warn: (message) => {
      const kind = /→ damon\.dlq \((invalid|failed)\)/.exec(message)?.[1];
      if (kind) metrics.deadLetter(kind === 'invalid' ? 'schema' : 'handler_failed');
      logger.event('warn', 'bus', message);
    },
    error: (message) => logger.event('error', 'bus', message),
  };
}

/** Everything a stage monitor app needs: config, database, bus, metrics, the consumer service. */
@Module({})
export class MonitorKitModule {
  static forStage(options: MonitorKitOptions): DynamicModule {
    return {
      module: MonitorKitModule,
      imports: [ObservabilityModule],
      providers: [
        { provide: MONITOR_ENV, useFactory: () => options.env ?? loadMonitorEnv() },
        { provide: STAGE_HANDLER, useFactory: options.handler, inject: [MONITOR_ENV] },
        {
          provide: JsonLogger,
          useFactory: (env: MonitorEnv) => new JsonLogger(jsonLogLevel(env.LOG_LEVEL)),
          inject: [MONITOR_ENV],
        },
        {
          provide: MonitorMetrics,
          useFactory: (registry: Registry, handler: AnyStageHandler) =>
            new MonitorMetrics(registry, handler.stage),
          inject: [Registry, STAGE_HANDLER],
        },
        { provide: MONITOR_OWNS_RESOURCES, useValue: options.shared === undefined },
        {
          provide: MONITOR_BUS,
          useFactory: (
            env: MonitorEnv,
            logger: JsonLogger,
            metrics: MonitorMetrics,
            handler: AnyStageHandler,
          ) =>
            options.shared?.bus ??
            createBus({
              brokers: env.KAFKA_BROKERS,
              clientId: `${handler.stage}-monitor`,
              logger: busLogger(logger, metrics),
              defaultPartitions: env.MONITOR_PARTITIONS,
              consumer: { maxBytesPerPartition: env.MONITOR_FETCH_MAX_BYTES },
            }),
          inject: [MONITOR_ENV, JsonLogger, MonitorMetrics, STAGE_HANDLER],
        },
        {
          provide: DataSource,
          useFactory: (env: MonitorEnv) =>
            options.shared?.dataSource ?? createDataSource(env.DATABASE_URL, { poolSize: 4 }).initialize(),
          inject: [MONITOR_ENV],
        },
        StageMonitorService,
      ],
      exports: [StageMonitorService, MonitorMetrics, JsonLogger, MONITOR_ENV],
    };
  }
}
