import { randomBytes } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { Bus, Subscription } from '@damon/bus';
import type { IncidentEvent } from '@damon/contracts';
import { ArtifactKind, IncidentChangeKind, Stage, TriageAction, Verdict } from '../models/enums';
import type { IncidentChangeModel } from '../models/incident-change.model';
import { API_BUS } from '../tokens';
import { ChangeIterator } from './change-iterator';

/** Event ids remembered to drop re-published duplicates (the outbox publishes at least once). */
const RECENT_EVENT_IDS = 2_000;

/**
 * damon.incidents fanned out to this instance's GraphQL subscribers. Every API instance reads the
 * whole topic in its own consumer group, from the end: subscribers see changes from now on.
 */
@Injectable()
export class IncidentFeed implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(IncidentFeed.name);
  private readonly subscribers = new Set<ChangeIterator<IncidentChangeModel>>();
  private readonly recent = new Set<string>();
  private subscription: Subscription | undefined;

  constructor(@Inject(API_BUS) private readonly bus: Bus) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.bus.ensureTopics(['damon.incidents']);
    this.subscription = await this.bus.subscribe({
      group: `api-feed-${randomBytes(6).toString('hex')}`,
      topics: ['damon.incidents'],
      fromBeginning: false,
      handler: (message) => {
        this.publish(toChange(message.value));
        return Promise.resolve();
      },
    });
    await this.subscription.ready;
  }

  async beforeApplicationShutdown(): Promise<void> {
    for (const subscriber of this.subscribers) await subscriber.return();
    await this.subscription?.stop();
  }

  /** Live subscriptions on this instance (tests wait on it before publishing). */
  get listenerCount(): number {
    return this.subscribers.size;
  }

  /** Changes accepted by `accept`, from now until the client unsubscribes. */
  listen(accept: (change: IncidentChangeModel) => boolean): ChangeIterator<IncidentChangeModel> {
    const iterator = new ChangeIterator<IncidentChangeModel>(accept, () => this.subscribers.delete(iterator));
    this.subscribers.add(iterator);
    return iterator;
  }

  private publish(change: IncidentChangeModel): void {
    if (this.recent.has(change.eventId)) return;
    this.recent.add(change.eventId);
    if (this.recent.size > RECENT_EVENT_IDS) this.recent.delete(this.recent.values().next().value as string);
    for (const subscriber of this.subscribers) {
      if (!subscriber.push(change)) this.logger.warn(`subscriber queue full: dropped ${change.eventId}`);
    }
  }
}

function toChange(event: IncidentEvent): IncidentChangeModel {
  return {
    eventId: event.eventId,
    change: event.change as IncidentChangeKind,
    incidentId: event.subject.id,
    severity: event.severity,
    stages: event.stages as Stage[],
    subjects: event.subjects.map((s) => ({ kind: s.kind as ArtifactKind, id: s.id })),
    alertIds: event.alertIds,
    occurredAt: new Date(event.occurredAt),
    mergedInto: event.mergedInto ?? null,
    triage:
      event.schemaVersion === 2 && event.triage
        ? {
            action: event.triage.action as TriageAction,
            verdict: (event.triage.verdict as Verdict | undefined) ?? null,
            assigned: event.triage.assigned ?? null,
          }
        : null,
  };
}
