import { Field, ObjectType } from '@nestjs/graphql';
import { ArtifactKind } from './enums';

@ObjectType('Artifact', { description: 'A dataset, training run, model or edit known to the platform.' })
export class ArtifactModel {
  @Field(() => ArtifactKind)
  kind!: ArtifactKind;

  @Field()
  id!: string;

  @Field()
  firstSeenAt!: Date;
}
