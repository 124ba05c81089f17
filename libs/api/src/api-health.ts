import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HealthRegistry } from '@damon/observability';
import { DataSource } from 'typeorm';
import { API_DATA_SOURCE } from './tokens';

/** /healthz checks of the API: the database answers. */
@Injectable()
export class ApiHealth implements OnModuleInit {
  constructor(
    private readonly health: HealthRegistry,
    @Inject(API_DATA_SOURCE) private readonly dataSource: DataSource,
  ) {}

  onModuleInit(): void {
    this.health.register('database', async () => {
      await this.dataSource.query('SELECT 1');
    });
  }
}
