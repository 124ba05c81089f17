import { UseGuards } from '@nestjs/common';
import { Args, Query, Resolver } from '@nestjs/graphql';
import { RolesGuard } from '../auth/roles.guard';
import { ArtifactRefInput } from '../dto/artifact-ref.input';
import { VerdictProbeModel } from '../models/verdict-probe.model';
import { VerdictProbeService } from '../services/verdict-probe.service';

@Resolver(() => VerdictProbeModel)
@UseGuards(RolesGuard)
export class VerdictProbeResolver {
  constructor(private readonly probes: VerdictProbeService) {}

  @Query(() => [VerdictProbeModel], {
    description:
      'Per model layer with stored flagged vectors: verdict counts and the verdict probe’s cross-validated AUROC.',
  })
  verdictProbes(
    @Args('subject', { type: () => ArtifactRefInput, nullable: true }) subject: ArtifactRefInput | null,
  ): Promise<VerdictProbeModel[]> {
    return this.probes.list(subject);
  }
}
