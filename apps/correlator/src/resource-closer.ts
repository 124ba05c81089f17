import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { Bus } from '@damon/bus';
import { CORRELATION_BUS, CORRELATION_DATA_SOURCE, IncidentOutboxPublisher } from '@damon/correlation';
import { DataSource } from 'typeorm';

/**
 * Closes what the app opened, after every consumer stopped (Nest runs all beforeApplicationShutdown
 * hooks first): a last outbox drain, then the bus, then the database pool.
 */
@Injectable()
export class ResourceCloser implements OnApplicationShutdown {
  constructor(
    @Inject(CORRELATION_BUS) private readonly bus: Bus,
    @Inject(CORRELATION_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly outbox: IncidentOutboxPublisher,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.outbox.idle();
    // What is not published now stays in the outbox for the next start.
    await this.outbox.drain().catch(() => 0);
    await this.bus.close();
    await this.dataSource.destroy();
  }
}
