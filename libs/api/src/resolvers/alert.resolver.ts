import { UseGuards } from '@nestjs/common';
import { Args, Context, Int, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { ApiContext } from '../auth/api-context';
import { RolesGuard } from '../auth/roles.guard';
import { AlertFilterInput } from '../dto/alert-filter.input';
import { AlertConnectionModel } from '../models/alert-connection.model';
import { AlertModel } from '../models/alert.model';
import { IncidentModel } from '../models/incident.model';
import { AlertQueryService } from '../services/alert-query.service';

@Resolver(() => AlertModel)
@UseGuards(RolesGuard)
export class AlertResolver {
  constructor(private readonly alertQueries: AlertQueryService) {}

  @Query(() => AlertConnectionModel, { description: 'Recorded alerts, most recent (event time) first.' })
  alerts(
    @Args('filter', { type: () => AlertFilterInput, nullable: true }) filter: AlertFilterInput | null,
    @Args('first', { type: () => Int, defaultValue: 20, description: 'Page size, at most 100.' })
    first: number,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
  ): Promise<AlertConnectionModel> {
    return this.alertQueries.list(filter, first, after);
  }

  @ResolveField(() => IncidentModel, {
    nullable: true,
    description: 'The incident holding the alert; null unless correlated.',
  })
  async incident(@Parent() alert: AlertModel, @Context() context: ApiContext): Promise<IncidentModel | null> {
    const incidentId = await context.loaders.incidentIdByAlert.load(alert.alertId);
    return incidentId ? context.loaders.incidentById.load(incidentId) : null;
  }
}
