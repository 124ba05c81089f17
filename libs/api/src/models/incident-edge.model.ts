import { Field, ObjectType } from '@nestjs/graphql';
import { IncidentModel } from './incident.model';

@ObjectType('IncidentEdge')
export class IncidentEdgeModel {
  @Field()
  cursor!: string;

  @Field(() => IncidentModel)
  node!: IncidentModel;
}
