import { Int, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { ArtifactConnectionModel } from '../models/artifact-connection.model';

@Resolver(() => ArtifactConnectionModel)
export class ArtifactConnectionResolver {
  /** Counted only when asked for: a count over the whole filter costs more than the page. */
  @ResolveField(() => Int)
  totalCount(@Parent() connection: ArtifactConnectionModel): Promise<number> {
    return connection.countTotal();
  }
}
