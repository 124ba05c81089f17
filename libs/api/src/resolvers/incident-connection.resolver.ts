import { Int, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { IncidentConnectionModel } from '../models/incident-connection.model';

@Resolver(() => IncidentConnectionModel)
export class IncidentConnectionResolver {
  /** Counted only when asked for: a count over the whole filter costs more than the page. */
  @ResolveField(() => Int)
  totalCount(@Parent() connection: IncidentConnectionModel): Promise<number> {
    return connection.countTotal();
  }
}
