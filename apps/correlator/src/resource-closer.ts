import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { IncidentOutboxPublisher } from '@damon/correlation';

/**
 * A last outbox drain after every consumer stopped (Nest runs all beforeApplicationShutdown hooks
 * first) and before InfrastructureModule closes the bus and the pool (its hooks run last).
 */
@Injectable()
export class ResourceCloser implements OnApplicationShutdown {
  constructor(private readonly outbox: IncidentOutboxPublisher) {}

  async onApplicationShutdown(): Promise<void> {
    await this.outbox.idle();
    // What is not published now stays in the outbox for the next start.
    await this.outbox.drain().catch(() => 0);
  }
}
