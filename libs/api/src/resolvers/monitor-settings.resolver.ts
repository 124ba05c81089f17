import { UseGuards } from '@nestjs/common';
import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { MinRole } from '../auth/min-role.decorator';
import type { Principal } from '../auth/principal';
import { RolesGuard } from '../auth/roles.guard';
import { ArtifactRefInput } from '../dto/artifact-ref.input';
import { ResetMonitorSettingsInput, SetMonitorSettingsInput } from '../dto/monitor-settings.input';
import { Stage } from '../models/enums';
import { MonitorSettingsModel } from '../models/monitor-settings.model';
import { MonitorSettingsService } from '../services/monitor-settings.service';

/** Per-subject monitor settings: admin only; writes audited in api_audit_log. */
@Resolver(() => MonitorSettingsModel)
@UseGuards(RolesGuard)
@MinRole('admin')
export class MonitorSettingsResolver {
  constructor(private readonly settings: MonitorSettingsService) {}

  @Query(() => MonitorSettingsModel, {
    description: 'A subject’s overrides of one stage monitor’s settings. Needs admin.',
  })
  monitorSettings(
    @Args('stage', { type: () => Stage }) stage: Stage,
    @Args('subject', { type: () => ArtifactRefInput }) subject: ArtifactRefInput,
  ): Promise<MonitorSettingsModel> {
    return this.settings.get(stage, subject);
  }

  @Mutation(() => MonitorSettingsModel, {
    description:
      'Sets some of a subject’s monitor settings (the others keep their values), validated with the monitors’ rules: a bad value is BAD_USER_INPUT naming the field and nothing is stored. Running monitors apply it from their next batch. Needs admin; audited.',
  })
  setMonitorSettings(
    @Args('input', { type: () => SetMonitorSettingsInput }) input: SetMonitorSettingsInput,
    @CurrentPrincipal() actor: Principal,
  ): Promise<MonitorSettingsModel> {
    return this.settings.set(input, actor);
  }

  @Mutation(() => MonitorSettingsModel, {
    description:
      'Returns some (or all) of a subject’s monitor settings to the monitor’s defaults. Needs admin; audited.',
  })
  resetMonitorSettings(
    @Args('input', { type: () => ResetMonitorSettingsInput }) input: ResetMonitorSettingsInput,
    @CurrentPrincipal() actor: Principal,
  ): Promise<MonitorSettingsModel> {
    return this.settings.reset(input, actor);
  }
}
