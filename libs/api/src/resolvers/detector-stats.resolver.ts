import { UseGuards } from '@nestjs/common';
import { Args, Int, Query, Resolver } from '@nestjs/graphql';
import { RolesGuard } from '../auth/roles.guard';
import { DetectorStatsFilterInput } from '../dto/detector-stats-filter.input';
import { DetectorStatModel } from '../models/detector-stat.model';
import { DetectorStatsService } from '../services/detector-stats.service';

@Resolver(() => DetectorStatModel)
@UseGuards(RolesGuard)
export class DetectorStatsResolver {
  constructor(private readonly stats: DetectorStatsService) {}

  @Query(() => [DetectorStatModel], {
    description:
      'Per detector and subject: alerts, incidents, verdict counts and precision = deceptive / (deceptive + benign).',
  })
  detectorStats(
    @Args('filter', { type: () => DetectorStatsFilterInput, nullable: true })
    filter: DetectorStatsFilterInput | null,
    @Args('first', { type: () => Int, defaultValue: 100, description: 'At most 100.' }) first: number,
  ): Promise<DetectorStatModel[]> {
    return this.stats.stats(filter, first);
  }
}
