import { UseGuards } from '@nestjs/common';
import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { MinRole } from '../auth/min-role.decorator';
import type { Principal } from '../auth/principal';
import { RolesGuard } from '../auth/roles.guard';
import { LinkArtifactsInput } from '../dto/link-artifacts.input';
import { RefitBaselineInput } from '../dto/refit-baseline.input';
import { LinkArtifactsPayload } from '../models/link-artifacts.payload';
import { RefitBaselinePayload } from '../models/refit-baseline.payload';
import { CommandService } from '../services/command.service';

/** Mutations that change what the monitors correlate or learn: admin only, audited in api_audit_log. */
@Resolver()
@UseGuards(RolesGuard)
@MinRole('admin')
export class CommandResolver {
  constructor(private readonly commands: CommandService) {}

  @Mutation(() => LinkArtifactsPayload, { description: 'Publishes a LineageEdge on damon.lineage.' })
  linkArtifacts(
    @Args('input', { type: () => LinkArtifactsInput }) input: LinkArtifactsInput,
    @CurrentPrincipal() actor: Principal,
  ): Promise<LinkArtifactsPayload> {
    return this.commands.linkArtifacts(input, actor);
  }

  @Mutation(() => RefitBaselinePayload, {
    description: 'Publishes a BaselineCommand (baseline.refit) on damon.commands.',
  })
  refitBaseline(
    @Args('input', { type: () => RefitBaselineInput }) input: RefitBaselineInput,
    @CurrentPrincipal() actor: Principal,
  ): Promise<RefitBaselinePayload> {
    return this.commands.refitBaseline(input, actor);
  }
}
