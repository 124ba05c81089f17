import { Controller, Get, Header, ServiceUnavailableException } from '@nestjs/common';
import { Registry } from 'prom-client';
import { HealthRegistry, type HealthResult } from './health.registry';
import { MetricsSources } from './metrics-sources';

@Controller()
export class ObservabilityController {
  constructor(
    private readonly health: HealthRegistry,
    private readonly registry: Registry,
    private readonly sources: MetricsSources,
  ) {}

  /** Readiness: 200 with every check `ok`, or 503 naming the failing checks. */
  @Get(['healthz', 'healthz/ready'])
  async ready(): Promise<HealthResult> {
    return answer(await this.health.run());
  }

  /** Liveness: 503 only when a restart is what the process needs. */
  @Get('healthz/live')
  async live(): Promise<HealthResult> {
    return answer(await this.health.runLiveness());
  }

  @Get('metrics')
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  metrics(): Promise<string> {
    return this.sources.metrics(this.registry);
  }
}

function answer(result: HealthResult): HealthResult {
  if (!result.ok) throw new ServiceUnavailableException(result);
  return result;
}
