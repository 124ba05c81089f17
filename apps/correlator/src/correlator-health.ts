import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { CORRELATION_DATA_SOURCE } from '@damon/correlation';
import { HealthRegistry } from '@damon/observability';
import { DataSource } from 'typeorm';

/** /healthz of the correlator: the database answers. */
@Injectable()
export class CorrelatorHealth implements OnModuleInit {
  constructor(
    private readonly health: HealthRegistry,
    @Inject(CORRELATION_DATA_SOURCE) private readonly dataSource: DataSource,
  ) {}

  onModuleInit(): void {
    this.health.register('database', async () => {
      await this.dataSource.query('SELECT 1');
    });
  }
}
