import { UseGuards } from '@nestjs/common';
import { Args, Context, Int, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { ApiContext } from '../auth/api-context';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { MinRole } from '../auth/min-role.decorator';
import type { Principal } from '../auth/principal';
import { RolesGuard } from '../auth/roles.guard';
import { ArtifactFilterInput } from '../dto/artifact-filter.input';
import { ArtifactRefInput } from '../dto/artifact-ref.input';
import { checkFirst } from '../graphql/input-checks';
import { ArtifactConnectionModel } from '../models/artifact-connection.model';
import { ArtifactModel } from '../models/artifact.model';
import { ArtifactKind } from '../models/enums';
import { IncidentModel } from '../models/incident.model';
import { LineageGraphModel } from '../models/lineage-graph.model';
import { ArtifactService } from '../services/artifact.service';
import { LineageService } from '../services/lineage.service';

@Resolver(() => ArtifactModel)
@UseGuards(RolesGuard)
export class ArtifactResolver {
  constructor(
    private readonly artifactService: ArtifactService,
    private readonly lineageService: LineageService,
  ) {}

  @Query(() => ArtifactConnectionModel, { description: 'Artifacts ordered by kind, then id.' })
  artifacts(
    @Args('filter', { type: () => ArtifactFilterInput, nullable: true }) filter: ArtifactFilterInput | null,
    @Args('first', { type: () => Int, defaultValue: 20, description: 'Page size, at most 100.' })
    first: number,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
  ): Promise<ArtifactConnectionModel> {
    return this.artifactService.list(filter, first, after);
  }

  @Query(() => ArtifactModel, { nullable: true })
  artifact(
    @Args('kind', { type: () => ArtifactKind }) kind: ArtifactKind,
    @Args('id') id: string,
  ): Promise<ArtifactModel | null> {
    return this.artifactService.get({ kind, id });
  }

  @Mutation(() => ArtifactModel, { description: 'Idempotent. Needs admin.' })
  @MinRole('admin')
  registerArtifact(
    @Args('input', { type: () => ArtifactRefInput }) input: ArtifactRefInput,
    @CurrentPrincipal() actor: Principal,
  ): Promise<ArtifactModel> {
    return this.artifactService.register(input, actor);
  }

  @ResolveField(() => [IncidentModel], { description: 'Most recent incidents concerning this artifact.' })
  incidents(
    @Parent() artifact: ArtifactModel,
    @Context() context: ApiContext,
    @Args('first', { type: () => Int, defaultValue: 10 }) first: number,
  ): Promise<IncidentModel[]> {
    checkFirst('first', first, 100);
    return context.loaders.incidentsByArtifact.load({ kind: artifact.kind, id: artifact.id, first });
  }

  @ResolveField(() => LineageGraphModel, {
    description: 'Lineage neighbours, `hops` edges out in either direction (at most 3).',
  })
  lineage(
    @Parent() artifact: ArtifactModel,
    @Args('hops', { type: () => Int, defaultValue: 1 }) hops: number,
  ): Promise<LineageGraphModel> {
    return this.lineageService.subgraph([{ kind: artifact.kind, id: artifact.id }], hops);
  }
}
