import { UseGuards } from '@nestjs/common';
import { Args, Context, Float, ID, Parent, ResolveField, Resolver, Subscription } from '@nestjs/graphql';
import type { ApiContext } from '../auth/api-context';
import { RolesGuard } from '../auth/roles.guard';
import { IncidentChangeKind } from '../models/enums';
import { IncidentChangeModel } from '../models/incident-change.model';
import { IncidentModel } from '../models/incident.model';
import { IncidentFeed } from '../services/incident-feed.service';

const passThrough = (change: IncidentChangeModel): IncidentChangeModel => change;

@Resolver(() => IncidentChangeModel)
@UseGuards(RolesGuard)
export class IncidentSubscriptionResolver {
  constructor(private readonly feed: IncidentFeed) {}

  @Subscription(() => IncidentChangeModel, {
    description: 'Incidents announced from now on.',
    resolve: passThrough,
  })
  incidentOpened(
    @Args('severityMin', { type: () => Float, nullable: true }) severityMin: number | null,
  ): AsyncIterableIterator<IncidentChangeModel> {
    return this.feed.listen(
      (c) => c.change === IncidentChangeKind.OPENED && (severityMin == null || c.severity >= severityMin),
    );
  }

  @Subscription(() => IncidentChangeModel, {
    description: 'Updates, merges and resolutions; of one incident when `id` is given.',
    resolve: passThrough,
  })
  incidentUpdated(
    @Args('id', { type: () => ID, nullable: true }) id: string | null,
  ): AsyncIterableIterator<IncidentChangeModel> {
    return this.feed.listen(
      (c) => c.change !== IncidentChangeKind.OPENED && (id == null || c.incidentId === id),
    );
  }

  @ResolveField(() => IncidentModel, { nullable: true, description: 'The incident as stored now.' })
  incident(
    @Parent() change: IncidentChangeModel,
    @Context() context: ApiContext,
  ): Promise<IncidentModel | null> {
    // A subscription's context (and its loaders) lives as long as the subscription: drop the cached
    // row, or every later change would show the incident as it was at the first one.
    return context.loaders.incidentById.clear(change.incidentId).load(change.incidentId);
  }
}
