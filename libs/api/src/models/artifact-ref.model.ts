import { Field, ObjectType } from '@nestjs/graphql';
import { ArtifactKind } from './enums';

@ObjectType('ArtifactRef', { description: 'A node of the lineage graph, by kind and id.' })
export class ArtifactRefModel {
  @Field(() => ArtifactKind)
  kind!: ArtifactKind;

  @Field()
  id!: string;
}
