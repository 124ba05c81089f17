import { UseGuards } from '@nestjs/common';
import { Args, Context, Int, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { ApiContext } from '../auth/api-context';
import { RolesGuard } from '../auth/roles.guard';
import { ArtifactRefInput } from '../dto/artifact-ref.input';
import { Stage } from '../models/enums';
import { FlaggedItemModel } from '../models/flagged-item.model';
import { IncidentModel } from '../models/incident.model';
import { StageFlaggedItemsModel } from '../models/stage-flagged-items.model';
import { FlaggedItemsService } from '../services/flagged-items.service';

@Resolver(() => IncidentModel)
@UseGuards(RolesGuard)
export class FlaggedItemsResolver {
  constructor(private readonly flagged: FlaggedItemsService) {}

  @Query(() => [FlaggedItemModel], {
    description: 'Items (samples, activation rows) the alerts on a subject flagged, most recent alert first.',
  })
  flaggedItems(
    @Args('subject', { type: () => ArtifactRefInput }) subject: ArtifactRefInput,
    @Args('stage', { type: () => Stage, nullable: true }) stage: Stage | null,
    @Args('first', { type: () => Int, defaultValue: 100, description: 'At most 100.' }) first: number,
  ): Promise<FlaggedItemModel[]> {
    return this.flagged.list(subject, stage, first);
  }

  @ResolveField(() => [StageFlaggedItemsModel], {
    description: 'Per stage, how many items the incident’s alerts flagged (listed ids and the count beyond).',
  })
  flaggedItemCounts(
    @Parent() incident: IncidentModel,
    @Context() context: ApiContext,
  ): Promise<StageFlaggedItemsModel[]> {
    // One query for every incident of a list (per request), not one each.
    return context.loaders.flaggedCountsByIncident.load(incident.id);
  }
}
