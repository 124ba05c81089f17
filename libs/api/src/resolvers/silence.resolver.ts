import { UseGuards } from '@nestjs/common';
import { Args, ID, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { MinRole } from '../auth/min-role.decorator';
import type { Principal } from '../auth/principal';
import { RolesGuard } from '../auth/roles.guard';
import { CreateSilenceInput } from '../dto/create-silence.input';
import { SilenceModel } from '../models/silence.model';
import { SilenceService } from '../services/silence.service';

@Resolver(() => SilenceModel)
@UseGuards(RolesGuard)
export class SilenceResolver {
  constructor(private readonly silenceService: SilenceService) {}

  @Query(() => [SilenceModel], {
    description: 'Most recent first; `active` filters on whether they mute now.',
  })
  silences(
    @Args('active', { type: () => Boolean, nullable: true }) active: boolean | null,
    @Args('first', { type: () => Int, defaultValue: 100, description: 'At most 500.' }) first: number,
  ): Promise<SilenceModel[]> {
    return this.silenceService.list(active, first);
  }

  @Mutation(() => SilenceModel, { description: 'Needs triager; audited.' })
  @MinRole('triager')
  createSilence(
    @Args('input', { type: () => CreateSilenceInput }) input: CreateSilenceInput,
    @CurrentPrincipal() actor: Principal,
  ): Promise<SilenceModel> {
    return this.silenceService.create(input, actor);
  }

  @Mutation(() => SilenceModel, { description: 'Ends the silence now. Needs triager; audited.' })
  @MinRole('triager')
  expireSilence(
    @Args('id', { type: () => ID }) id: string,
    @CurrentPrincipal() actor: Principal,
  ): Promise<SilenceModel> {
    return this.silenceService.expire(id, actor);
  }
}
