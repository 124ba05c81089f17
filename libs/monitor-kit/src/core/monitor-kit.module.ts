import { Module, type DynamicModule } from '@nestjs/common';
import type { Bus, BusLogger } from '@damon/bus';
import type { Stage } from '@damon/contracts';
import { BUS, InfrastructureModule, type InfrastructureOptions } from '@damon/infrastructure';
import { JsonLogger, ObservabilityModule, jsonLogLevel } from '@damon/observability';
import { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { BaselineStore } from './baseline-store';
import { createComputePool, type ComputePool } from './compute-pool';
import { blasOptions, defaultSettings, loadMonitorEnv, type MonitorEnv } from './monitor-config';
import { MonitorMetrics } from './monitor-metrics';
import { COMPUTE_POOL, MONITOR_BUS, MONITOR_ENV, STAGE_HANDLER } from './monitor.tokens';
import type { AnyStageHandler } from './stage-handler';
import { StageMonitorEngine } from './stage-monitor.engine';
import { monitorGroup, StageMonitorService } from './stage-monitor.service';

export interface MonitorKitOptions {
  /** The app's stage: its default PORT and the variables it refuses (when the env is read here). */
  stage?: Stage;
  handler: (env: MonitorEnv) => AnyStageHandler;
  /** Tests pass their own; otherwise read (and validated) from the environment once. */
  env?: MonitorEnv;
  /**
   * A bus and an initialised DataSource owned by the host (the all-in-one runner shares one of each
   * between every part, its in-process bus chosen explicitly): the kit uses them and leaves closing
   * them to the host. Otherwise a KafkaBus on KAFKA_BROKERS, which is then required (a monitor never
   * falls back to an in-process bus on its own), and the database through the migration check, both
   * through InfrastructureModule, which closes them when the app closed.
   */
  shared?: { bus: Bus; dataSource: DataSource };
}

/**
 * The bus logger: warnings to the JSON log, and the bus's own dead letters (schema violations,
 * handlers that kept failing) counted in the same DLQ metric as the monitor's semantic rejections.
 */
function busLogger(logger: JsonLogger, metrics: MonitorMetrics): BusLogger {
  return {
    warn: (message, fields) => {
      const kind = /→ damon\.dlq \((invalid|failed)\)/.exec(message)?.[1];
      if (kind) metrics.deadLetter(kind === 'invalid' ? 'schema' : 'handler_failed');
      logger.event('warn', 'bus', message, fields);
    },
    error: (message, fields) => logger.event('error', 'bus', message, fields),
  };
}

/** What the kit and its bus both read: the env, the handler, the logger and the metrics. */
@Module({})
class MonitorKitCoreModule {}

/** Everything a stage monitor app needs: config, database, bus, metrics, the consumer service. */
@Module({})
export class MonitorKitModule {
  static forStage(options: MonitorKitOptions): DynamicModule {
    const core: DynamicModule = {
      module: MonitorKitCoreModule,
      providers: [
        {
          provide: MONITOR_ENV,
          useFactory: () => options.env ?? loadMonitorEnv(undefined, { stage: options.stage }),
        },
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
      ],
      exports: [MONITOR_ENV, STAGE_HANDLER, JsonLogger, MonitorMetrics],
    };
    return {
      module: MonitorKitModule,
      imports: [
        ObservabilityModule,
        core,
        InfrastructureModule.forRootAsync({
          imports: [core],
          inject: [MONITOR_ENV, JsonLogger, MonitorMetrics, STAGE_HANDLER],
          useFactory: (
            env: MonitorEnv,
            jsonLogger: JsonLogger,
            metrics: MonitorMetrics,
            handler: AnyStageHandler,
          ): InfrastructureOptions => {
            if (options.shared)
              return {
                bus: { shared: options.shared.bus },
                database: { shared: options.shared.dataSource },
              };
            if (!env.KAFKA_BROKERS)
              throw new Error(
                'KAFKA_BROKERS is not set: a stage monitor consumes from Kafka (only the all-in-one runner uses the in-process bus)',
              );
            return {
              bus: {
                kafka: {
                  brokers: env.KAFKA_BROKERS,
                  clientId: `${handler.stage}-monitor`,
                  logger: busLogger(jsonLogger, metrics),
                  defaultPartitions: env.MONITOR_PARTITIONS,
                  consumer: {
                    maxBytesPerPartition: env.MONITOR_FETCH_MAX_BYTES,
                    // Partitions proceed in parallel, as many as there are compute workers; a subject
                    // is the partition key, so each subject's events stay in order.
                    partitionsConsumedConcurrently: Math.max(1, env.MONITOR_WORKERS),
                  },
                },
              },
              // Opened through the pending-migration check, as every service does.
              database: { url: env.DATABASE_URL, poolSize: 4 },
            };
          },
        }),
      ],
      providers: [
        { provide: MONITOR_BUS, useExisting: BUS },
        {
          provide: BaselineStore,
          useFactory: (handler: AnyStageHandler) => new BaselineStore(handler.stage),
          inject: [STAGE_HANDLER],
        },
        {
          // Closed by StageMonitorService when the app shuts down.
          provide: COMPUTE_POOL,
          useFactory: (handler: AnyStageHandler, env: MonitorEnv) =>
            createComputePool(handler, env.MONITOR_WORKERS, blasOptions(env)),
          inject: [STAGE_HANDLER, MONITOR_ENV],
        },
        {
          provide: StageMonitorEngine,
          useFactory: (
            handler: AnyStageHandler,
            env: MonitorEnv,
            dataSource: DataSource,
            bus: Bus,
            metrics: MonitorMetrics,
            logger: JsonLogger,
            store: BaselineStore,
            pool: ComputePool,
          ) =>
            new StageMonitorEngine(handler, dataSource, bus, metrics, logger, {
              group: monitorGroup(env, handler),
              defaults: defaultSettings(env),
              pool,
              store,
            }),
          inject: [
            STAGE_HANDLER,
            MONITOR_ENV,
            DataSource,
            MONITOR_BUS,
            MonitorMetrics,
            JsonLogger,
            BaselineStore,
            COMPUTE_POOL,
          ],
        },
        StageMonitorService,
      ],
      exports: [StageMonitorService, core],
    };
  }
}
