import { Module, type DynamicModule } from '@nestjs/common';
import { ObservabilityModule } from '@damon/observability';
import { ApiHealth } from './api-health';
import { ApiModule, type ApiModuleOptions } from './api.module';

/** The whole API service: GraphQL at /graphql, /healthz and /metrics. */
@Module({})
export class ApiApplicationModule {
  static register(options: ApiModuleOptions): DynamicModule {
    return {
      module: ApiApplicationModule,
      imports: [ObservabilityModule, ApiModule.forRootAsync({ useFactory: () => options })],
      providers: [ApiHealth],
    };
  }
}
