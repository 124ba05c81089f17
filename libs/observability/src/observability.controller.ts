import { Controller, Get, Header, ServiceUnavailableException } from '@nestjs/common';
import { Registry } from 'prom-client';
import { HealthRegistry } from './health.registry';

@Controller()
export class ObservabilityController {
  constructor(
    private readonly health: HealthRegistry,
    private readonly registry: Registry,
  ) {}

  /** 200 with every check `ok`, or 503 naming the failing checks. */
  @Get('healthz')
  async healthz(): Promise<{ ok: boolean; checks: Record<string, string> }> {
    const result = await this.health.run();
    if (!result.ok) throw new ServiceUnavailableException(result);
    return result;
  }

  @Get('metrics')
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
