import { Module, type DynamicModule } from '@nestjs/common';
import type { Bus } from '@damon/bus';
import { BUS, InfrastructureModule, type InfrastructureOptions } from '@damon/infrastructure';
import { ObservabilityModule } from '@damon/observability';
import { DataSource } from 'typeorm';
import { ApiHealth } from './api-health';
import { ApiModule } from './api.module';
import type { ApiSettings } from './api-settings';

export interface ApiApplicationModuleOptions {
  settings: ApiSettings;
  /** The bus and DataSource, from configuration (apps/api) or handed in by the host. */
  infrastructure: InfrastructureOptions;
}

/** The whole API service: GraphQL at /graphql, /healthz and /metrics. */
@Module({})
export class ApiApplicationModule {
  static register(options: ApiApplicationModuleOptions): DynamicModule {
    return {
      module: ApiApplicationModule,
      imports: [
        ObservabilityModule,
        InfrastructureModule.forRoot(options.infrastructure),
        ApiModule.forRootAsync({
          inject: [BUS, DataSource],
          useFactory: (bus: Bus, dataSource: DataSource) => ({ bus, dataSource, settings: options.settings }),
        }),
      ],
      providers: [ApiHealth],
    };
  }
}
