import { UseGuards } from '@nestjs/common';
import { Args, Context, ID, Int, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { ApiContext } from '../auth/api-context';
import { RolesGuard } from '../auth/roles.guard';
import { IncidentFilterInput } from '../dto/incident-filter.input';
import { checkId } from '../graphql/input-checks';
import { ArtifactRefModel } from '../models/artifact-ref.model';
import { CommentModel } from '../models/comment.model';
import { IncidentOrder } from '../models/enums';
import { IncidentConnectionModel } from '../models/incident-connection.model';
import { IncidentModel } from '../models/incident.model';
import { LineageGraphModel } from '../models/lineage-graph.model';
import { StageAlertsModel } from '../models/stage-alerts.model';
import { TimelineEntryModel } from '../models/timeline-entry.model';
import { IncidentDetailService, TRIAGE_KINDS } from '../services/incident-detail.service';
import { IncidentQueryService } from '../services/incident-query.service';
import { LineageService } from '../services/lineage.service';

@Resolver(() => IncidentModel)
@UseGuards(RolesGuard)
export class IncidentResolver {
  constructor(
    private readonly incidentQueries: IncidentQueryService,
    private readonly details: IncidentDetailService,
    private readonly lineageService: LineageService,
  ) {}

  @Query(() => IncidentConnectionModel, {
    description: 'Incidents matching the filter, a keyset-paginated page at a time.',
  })
  async incidents(
    @Args('filter', { type: () => IncidentFilterInput, nullable: true }) filter: IncidentFilterInput | null,
    @Args('orderBy', { type: () => IncidentOrder, defaultValue: IncidentOrder.CREATED_AT_DESC })
    orderBy: IncidentOrder,
    @Args('first', { type: () => Int, defaultValue: 20, description: 'Page size, at most 100.' })
    first: number,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
    @Context() context: ApiContext,
  ): Promise<IncidentConnectionModel> {
    const connection = await this.incidentQueries.list(filter, orderBy, first, after);
    for (const [id, subjects] of connection.subjects ?? [])
      context.loaders.subjectsByIncident.prime(id, subjects);
    return connection;
  }

  @Query(() => IncidentModel, { nullable: true })
  incident(
    @Args('id', { type: () => ID }) id: string,
    @Context() context: ApiContext,
  ): Promise<IncidentModel | null> {
    // Through the request's loader: aliased lookups in one request become one query.
    return context.loaders.incidentById.load(checkId('id', id));
  }

  @ResolveField(() => [ArtifactRefModel], { description: 'The artifacts the incident’s alerts concern.' })
  subjects(@Parent() incident: IncidentModel, @Context() context: ApiContext): Promise<ArtifactRefModel[]> {
    return context.loaders.subjectsByIncident.load(incident.id);
  }

  @ResolveField(() => [StageAlertsModel], {
    description: 'Alerts grouped by stage (data, signals, representations), most recent first.',
  })
  alertsByStage(
    @Parent() incident: IncidentModel,
    @Args('first', {
      type: () => Int,
      defaultValue: 20,
      description: 'Alerts listed per stage, at most 100.',
    })
    first: number,
  ): Promise<StageAlertsModel[]> {
    return this.details.alertsByStage(incident.id, first);
  }

  @ResolveField(() => [TimelineEntryModel], { description: 'Audit log, oldest first.' })
  timeline(
    @Parent() incident: IncidentModel,
    @Args('first', { type: () => Int, defaultValue: 100 }) first: number,
  ): Promise<TimelineEntryModel[]> {
    return this.details.timeline(incident.id, first);
  }

  @ResolveField(() => [TimelineEntryModel], {
    description: 'What people did: acknowledged, assigned, verdict, comment, resolved, reopened.',
  })
  triageHistory(
    @Parent() incident: IncidentModel,
    @Args('first', { type: () => Int, defaultValue: 100 }) first: number,
  ): Promise<TimelineEntryModel[]> {
    return this.details.timeline(incident.id, first, TRIAGE_KINDS);
  }

  @ResolveField(() => [CommentModel])
  comments(
    @Parent() incident: IncidentModel,
    @Args('first', { type: () => Int, defaultValue: 100 }) first: number,
  ): Promise<CommentModel[]> {
    return this.details.comments(incident.id, first);
  }

  @ResolveField(() => LineageGraphModel, {
    description:
      'Lineage around the incident’s subjects, `hops` edges out in either direction (at most 3, 200 nodes).',
  })
  async lineage(
    @Parent() incident: IncidentModel,
    @Context() context: ApiContext,
    @Args('hops', { type: () => Int, defaultValue: 1 }) hops: number,
  ): Promise<LineageGraphModel> {
    return this.lineageService.subgraph(await context.loaders.subjectsByIncident.load(incident.id), hops);
  }
}
