import { UseGuards } from '@nestjs/common';
import { Args, Int, Query, Resolver } from '@nestjs/graphql';
import { RolesGuard } from '../auth/roles.guard';
import { ArtifactRefInput } from '../dto/artifact-ref.input';
import { Stage } from '../models/enums';
import { SubjectStatusModel } from '../models/subject-status.model';
import { SubjectStatusService } from '../services/subject-status.service';

@Resolver(() => SubjectStatusModel)
@UseGuards(RolesGuard)
export class SubjectStatusResolver {
  constructor(private readonly statuses: SubjectStatusService) {}

  @Query(() => [SubjectStatusModel], {
    description:
      'Monitored subjects’ lifecycles (learning n of N, fitted, detectors running and unavailable), most recently updated first.',
  })
  subjectStatus(
    @Args('subject', { type: () => ArtifactRefInput, nullable: true }) subject: ArtifactRefInput | null,
    @Args('stage', { type: () => Stage, nullable: true }) stage: Stage | null,
    @Args('phase', { type: () => String, nullable: true, description: '`learning` or `monitoring`.' })
    phase: string | null,
    @Args('first', { type: () => Int, defaultValue: 100, description: 'At most 100.' }) first: number,
  ): Promise<SubjectStatusModel[]> {
    return this.statuses.list(subject, stage, phase, first);
  }
}
