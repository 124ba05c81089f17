import { Module, type DynamicModule } from '@nestjs/common';
import { KafkaBus } from '@damon/bus';
import { CorrelationModule, correlatorMetrics } from '@damon/correlation';
import { ObservabilityModule } from '@damon/observability';
import { Registry } from 'prom-client';
import { openServiceDataSource } from '@damon/persistence';
import { correlationSettings, type CorrelatorConfig } from './correlator-config';
import { CorrelatorHealth } from './correlator-health';
import { ResourceCloser } from './resource-closer';

/** The correlator: damon.alerts + damon.lineage → incidents in PostgreSQL → damon.incidents. */
@Module({})
export class CorrelatorModule {
  static register(config: CorrelatorConfig): DynamicModule {
    return {
      module: CorrelatorModule,
      imports: [
        ObservabilityModule,
        CorrelationModule.forRootAsync({
          inject: [Registry],
          useFactory: async (registry: Registry) => {
            const dataSource = await openServiceDataSource(config.DATABASE_URL, { poolSize: 5 });
            const metrics = correlatorMetrics(registry, dataSource);
            const bus = new KafkaBus({
              brokers: config.KAFKA_BROKERS,
              clientId: 'correlator',
              onBatchHandled: (_group, _messages, seconds) => metrics.batchHandled(seconds),
              consumer: {
                sessionTimeout: config.KAFKA_SESSION_TIMEOUT_MS,
                heartbeatInterval: 1_000,
                maxWaitTimeInMs: 500,
              },
            });
            return { bus, dataSource, settings: correlationSettings(config) };
          },
        }),
      ],
      providers: [CorrelatorHealth, ResourceCloser],
    };
  }
}
