import { Field, Int, ObjectType } from '@nestjs/graphql';
import type { ArtifactRefModel } from './artifact-ref.model';
import { IncidentEdgeModel } from './incident-edge.model';
import { PageInfoModel } from './page-info.model';

@ObjectType('IncidentConnection')
export class IncidentConnectionModel {
  @Field(() => [IncidentEdgeModel])
  edges!: IncidentEdgeModel[];

  @Field(() => PageInfoModel)
  pageInfo!: PageInfoModel;

  /** Each node's subjects, read with the page: primed into the request's subjects loader. */
  subjects?: ReadonlyMap<string, ArtifactRefModel[]>;

  /** Counted only when `totalCount` is asked for (resolved by the connection's resolver). */
  countTotal!: () => Promise<number>;

  @Field(() => Int, { description: 'Rows matching the filter, all pages together.' })
  totalCount!: number;
}
