import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { CORRELATION_SETTINGS, type CorrelationSettings } from './correlation-settings';
import { CorrelationService } from './correlation.service';
import { IncidentOutboxPublisher } from './incident-outbox.publisher';

/**
 * Periodic work that no message triggers: announcing incidents whose group_wait elapsed, and
 * draining the outbox (also after a restart, for events committed but not yet published).
 */
@Injectable()
export class CorrelationScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private tick: Promise<void> | undefined;
  /** Nest's logger: the app's JsonLogger in every service. */
  private readonly logger = new Logger('CorrelationScheduler');

  constructor(
    @Inject(CORRELATION_SETTINGS) private readonly settings: CorrelationSettings,
    private readonly correlation: CorrelationService,
    private readonly outbox: IncidentOutboxPublisher,
  ) {}

  onApplicationBootstrap(): void {
    // A quarter of group_wait keeps announcements at most 25 % late, between 100 ms and 1 s.
    const every = Math.min(1_000, Math.max(100, Math.floor(this.settings.groupWaitMs / 4)));
    this.outbox.wake();
    this.timer = setInterval(() => {
      if (!this.tick) this.tick = this.runOnce().finally(() => (this.tick = undefined));
    }, every);
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.tick;
    await this.outbox.idle();
  }

  async runOnce(): Promise<void> {
    try {
      await this.correlation.announceDue();
    } catch (error) {
      this.logger.warn(
        `announcing incidents failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    this.outbox.wake();
  }
}
