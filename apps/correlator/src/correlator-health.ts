import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { busHealthChecks, type Bus } from '@damon/bus';
import { CORRELATION_BUS, CORRELATION_DATA_SOURCE } from '@damon/correlation';
import { HealthRegistry } from '@damon/observability';
import { DataSource } from 'typeorm';

/**
 * Probes of the correlator: ready while the database answers and its consumer is a member of its
 * group (kafkajs instrumentation events); not live once the consumer crashed for good.
 */
@Injectable()
export class CorrelatorHealth implements OnModuleInit {
  constructor(
    private readonly health: HealthRegistry,
    @Inject(CORRELATION_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(CORRELATION_BUS) private readonly bus: Bus,
  ) {}

  onModuleInit(): void {
    this.health.register('database', async () => {
      await this.dataSource.query('SELECT 1');
    });
    const consumers = busHealthChecks(this.bus);
    this.health.register('consumers', consumers.readiness);
    this.health.registerLiveness('consumers', consumers.liveness);
  }
}
