import { Module, type DynamicModule } from '@nestjs/common';
import type { Bus } from '@damon/bus';
import { CorrelationModule, correlatorMetrics } from '@damon/correlation';
import { BUS, InfrastructureModule } from '@damon/infrastructure';
import { ObservabilityModule, type JsonLogger } from '@damon/observability';
import { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { correlationSettings, notificationSettings, type CorrelatorConfig } from './correlator-config';
import { CorrelatorHealth } from './correlator-health';
import { ResourceCloser } from './resource-closer';

const METRICS = Symbol('correlator.metrics');

/** The correlator: damon.alerts + damon.lineage → incidents in PostgreSQL → damon.incidents. */
@Module({})
export class CorrelatorModule {
  static register(config: CorrelatorConfig, logger: JsonLogger): DynamicModule {
    // The bus (made first) reports batch latency to the metrics, made once the DataSource is open
    // (their backlog gauge reads it), before the consumer starts.
    const metrics: { current?: ReturnType<typeof correlatorMetrics> } = {};
    return {
      module: CorrelatorModule,
      imports: [
        ObservabilityModule,
        InfrastructureModule.forRoot({
          bus: {
            kafka: {
              brokers: config.KAFKA_BROKERS,
              clientId: 'correlator',
              logger: logger.forContext('bus'),
              onBatchHandled: (_group, _messages, seconds) => metrics.current?.batchHandled(seconds),
              consumer: {
                sessionTimeout: config.KAFKA_SESSION_TIMEOUT_MS,
                heartbeatInterval: 1_000,
                maxWaitTimeInMs: 500,
              },
            },
          },
          database: { url: config.DATABASE_URL, poolSize: 5 },
        }),
        CorrelationModule.forRootAsync({
          inject: [BUS, DataSource],
          useFactory: (bus: Bus, dataSource: DataSource) => ({
            bus,
            dataSource,
            settings: correlationSettings(config),
            notifications: notificationSettings(config),
          }),
        }),
      ],
      providers: [
        CorrelatorHealth,
        ResourceCloser,
        {
          provide: METRICS,
          useFactory: (registry: Registry, dataSource: DataSource) =>
            (metrics.current = correlatorMetrics(registry, dataSource)),
          inject: [Registry, DataSource],
        },
      ],
    };
  }
}
