import { Field, ObjectType } from '@nestjs/graphql';
import { AlertModel } from './alert.model';

@ObjectType('AlertEdge')
export class AlertEdgeModel {
  @Field()
  cursor!: string;

  @Field(() => AlertModel)
  node!: AlertModel;
}
