import { Int, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { AlertConnectionModel } from '../models/alert-connection.model';

@Resolver(() => AlertConnectionModel)
export class AlertConnectionResolver {
  /** Counted only when asked for: a count over the whole filter costs more than the page. */
  @ResolveField(() => Int)
  totalCount(@Parent() connection: AlertConnectionModel): Promise<number> {
    return connection.countTotal();
  }
}
