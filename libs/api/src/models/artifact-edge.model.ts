import { Field, ObjectType } from '@nestjs/graphql';
import { ArtifactModel } from './artifact.model';

@ObjectType('ArtifactEdge')
export class ArtifactEdgeModel {
  @Field()
  cursor!: string;

  @Field(() => ArtifactModel)
  node!: ArtifactModel;
}
