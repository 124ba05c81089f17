import { Field, InputType } from '@nestjs/graphql';
import { ArtifactKind } from '../models/enums';

@InputType('ArtifactRefInput')
export class ArtifactRefInput {
  @Field(() => ArtifactKind)
  kind!: ArtifactKind;

  @Field({ description: '1 to 256 characters.' })
  id!: string;
}
