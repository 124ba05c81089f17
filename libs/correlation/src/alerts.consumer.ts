import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { Bus, ReceivedMessage, Subscription } from '@damon/bus';
import type { LineageEdge, StageAlert } from '@damon/contracts';
import { CORRELATION_TOPICS, type CorrelationInput } from './correlation-input';
import { CORRELATION_SETTINGS, type CorrelationSettings } from './correlation-settings';
import { CorrelationService } from './correlation.service';
import { CORRELATION_BUS } from './tokens';

/**
 * Consumes damon.alerts and damon.lineage in batches (one transaction per batch) and hands them to
 * the correlation service. The bus has validated them; offsets commit after the handler resolved.
 */
@Injectable()
export class AlertsConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private subscription: Subscription | undefined;

  constructor(
    @Inject(CORRELATION_BUS) private readonly bus: Bus,
    @Inject(CORRELATION_SETTINGS) private readonly settings: CorrelationSettings,
    private readonly correlation: CorrelationService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = await this.bus.subscribe({
      group: this.settings.group,
      topics: CORRELATION_TOPICS,
      batchHandler: async (messages) => {
        await this.correlation.handleBatch(messages.map(toInput));
      },
    });
  }

  /** Finishes the batch in hand, commits its offsets and leaves the group. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.subscription?.stop();
    this.subscription = undefined;
  }
}

function toInput(message: ReceivedMessage<(typeof CORRELATION_TOPICS)[number]>): CorrelationInput {
  // One subscription, two topics: the bus validated each value against its own topic's schema.
  return message.topic === 'damon.alerts'
    ? { topic: 'damon.alerts', value: message.value as StageAlert }
    : { topic: 'damon.lineage', value: message.value as LineageEdge };
}
