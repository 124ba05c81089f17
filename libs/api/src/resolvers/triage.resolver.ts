import { UseGuards } from '@nestjs/common';
import { Args, ID, Mutation, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { MinRole } from '../auth/min-role.decorator';
import type { Principal } from '../auth/principal';
import { RolesGuard } from '../auth/roles.guard';
import { CommentModel } from '../models/comment.model';
import { Verdict } from '../models/enums';
import { IncidentModel } from '../models/incident.model';
import { TriageService } from '../services/triage.service';

/** Incident triage; each mutation is audited in the incident timeline. Needs triager. */
@Resolver()
@UseGuards(RolesGuard)
@MinRole('triager')
export class TriageResolver {
  constructor(private readonly triage: TriageService) {}

  @Mutation(() => IncidentModel)
  acknowledgeIncident(
    @Args('id', { type: () => ID }) id: string,
    @CurrentPrincipal() actor: Principal,
  ): Promise<IncidentModel> {
    return this.triage.acknowledge(id, actor);
  }

  @Mutation(() => IncidentModel, { description: 'A null or empty assignee unassigns.' })
  assignIncident(
    @Args('id', { type: () => ID }) id: string,
    @Args('assignee', { type: () => String, nullable: true }) assignee: string | null,
    @CurrentPrincipal() actor: Principal,
  ): Promise<IncidentModel> {
    return this.triage.assign(id, assignee, actor);
  }

  @Mutation(() => IncidentModel, {
    description: 'The verdict feeds detector precision (detectorStats, view detector_precision).',
  })
  setVerdict(
    @Args('id', { type: () => ID }) id: string,
    @Args('verdict', { type: () => Verdict }) verdict: Verdict,
    @Args('note', { type: () => String, nullable: true }) note: string | null,
    @CurrentPrincipal() actor: Principal,
  ): Promise<IncidentModel> {
    return this.triage.setVerdict(id, verdict, note, actor);
  }

  @Mutation(() => CommentModel)
  addComment(
    @Args('id', { type: () => ID }) id: string,
    @Args('body') body: string,
    @CurrentPrincipal() actor: Principal,
  ): Promise<CommentModel> {
    return this.triage.addComment(id, body, actor);
  }

  @Mutation(() => IncidentModel, { description: 'open → resolved; CONFLICT otherwise.' })
  resolveIncident(
    @Args('id', { type: () => ID }) id: string,
    @Args('comment', { type: () => String, nullable: true }) comment: string | null,
    @CurrentPrincipal() actor: Principal,
  ): Promise<IncidentModel> {
    return this.triage.resolve(id, comment, actor);
  }

  @Mutation(() => IncidentModel, { description: 'resolved → open; CONFLICT otherwise.' })
  reopenIncident(
    @Args('id', { type: () => ID }) id: string,
    @Args('comment', { type: () => String, nullable: true }) comment: string | null,
    @CurrentPrincipal() actor: Principal,
  ): Promise<IncidentModel> {
    return this.triage.reopen(id, comment, actor);
  }
}
