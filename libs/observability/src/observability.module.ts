import { Global, Module } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { HealthRegistry } from './health.registry';
import { MetricsSources } from './metrics-sources';
import { ObservabilityController } from './observability.controller';

/** /healthz and Prometheus /metrics for a service; inject `Registry` to add metrics. */
@Global()
@Module({
  controllers: [ObservabilityController],
  providers: [
    HealthRegistry,
    MetricsSources,
    {
      provide: Registry,
      useFactory: () => {
        const registry = new Registry();
        collectDefaultMetrics({ register: registry });
        return registry;
      },
    },
  ],
  exports: [HealthRegistry, MetricsSources, Registry],
})
export class ObservabilityModule {}
