import { Field, InputType } from '@nestjs/graphql';
import { ArtifactRefInput } from './artifact-ref.input';

@InputType('DetectorStatsFilter')
export class DetectorStatsFilterInput {
  @Field(() => String, { nullable: true })
  detector?: string | null;

  @Field(() => ArtifactRefInput, { nullable: true })
  subject?: ArtifactRefInput | null;
}
