import { Field, InputType } from '@nestjs/graphql';
import { LineageRelation } from '../models/enums';
import { ArtifactRefInput } from './artifact-ref.input';

@InputType('LinkArtifactsInput')
export class LinkArtifactsInput {
  @Field(() => ArtifactRefInput)
  from!: ArtifactRefInput;

  @Field(() => ArtifactRefInput)
  to!: ArtifactRefInput;

  @Field(() => LineageRelation)
  relation!: LineageRelation;
}
