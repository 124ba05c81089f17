import { Module, type DynamicModule } from '@nestjs/common';
import { KafkaBus } from '@damon/bus';
import { CorrelationModule } from '@damon/correlation';
import { ObservabilityModule } from '@damon/observability';
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
          useFactory: async () => {
            const dataSource = await openServiceDataSource(config.DATABASE_URL, { poolSize: 5 });
            const bus = new KafkaBus({
              brokers: config.KAFKA_BROKERS,
              clientId: 'correlator',
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
