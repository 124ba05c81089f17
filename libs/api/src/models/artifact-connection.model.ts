import { Field, Int, ObjectType } from '@nestjs/graphql';
import { ArtifactEdgeModel } from './artifact-edge.model';
import { PageInfoModel } from './page-info.model';

@ObjectType('ArtifactConnection')
export class ArtifactConnectionModel {
  @Field(() => [ArtifactEdgeModel])
  edges!: ArtifactEdgeModel[];

  @Field(() => PageInfoModel)
  pageInfo!: PageInfoModel;

  /** Counted only when `totalCount` is asked for (resolved by the connection's resolver). */
  countTotal!: () => Promise<number>;

  @Field(() => Int, { description: 'Rows matching the filter, all pages together.' })
  totalCount!: number;
}
