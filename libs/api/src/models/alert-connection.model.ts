import { Field, Int, ObjectType } from '@nestjs/graphql';
import { AlertEdgeModel } from './alert-edge.model';
import { PageInfoModel } from './page-info.model';

@ObjectType('AlertConnection')
export class AlertConnectionModel {
  @Field(() => [AlertEdgeModel])
  edges!: AlertEdgeModel[];

  @Field(() => PageInfoModel)
  pageInfo!: PageInfoModel;

  /** Counted only when `totalCount` is asked for (resolved by the connection's resolver). */
  countTotal!: () => Promise<number>;

  @Field(() => Int, { description: 'Rows matching the filter, all pages together.' })
  totalCount!: number;
}
