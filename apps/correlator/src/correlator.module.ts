import { Module, type DynamicModule } from '@nestjs/common';
import { KafkaBus } from '@damon/bus';
import { CorrelationModule } from '@damon/correlation';
import { createDataSource } from '@damon/persistence';
import { MigrationExecutor } from 'typeorm';
import { correlationSettings, type CorrelatorConfig } from './correlator-config';
import { HealthController } from './health.controller';
import { ResourceCloser } from './resource-closer';

/** The correlator: damon.alerts + damon.lineage → incidents in PostgreSQL → damon.incidents. */
@Module({})
export class CorrelatorModule {
  static register(config: CorrelatorConfig): DynamicModule {
    return {
      module: CorrelatorModule,
      imports: [
        CorrelationModule.forRootAsync({
          useFactory: async () => {
            const dataSource = await createDataSource(config.DATABASE_URL, { poolSize: 5 }).initialize();
            const pending = await new MigrationExecutor(dataSource).getPendingMigrations();
            if (pending.length > 0) {
              await dataSource.destroy();
              throw new Error(
                `database schema is behind: ${pending.map((m) => m.name).join(', ')} not applied; run \`npm run migrate\` first`,
              );
            }
            const bus = new KafkaBus({
              brokers: config.KAFKA_BROKERS,
              clientId: 'correlator',
              consumer: { sessionTimeout: config.KAFKA_SESSION_TIMEOUT_MS, heartbeatInterval: 1_000, maxWaitTimeInMs: 500 },
            });
            return { bus, dataSource, settings: correlationSettings(config) };
          },
        }),
      ],
      controllers: [HealthController],
      providers: [ResourceCloser],
    };
  }
}
