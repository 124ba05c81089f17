import { Field, InputType } from '@nestjs/graphql';
import { Stage } from '../models/enums';
import { ArtifactRefInput } from './artifact-ref.input';

@InputType('RefitBaselineInput')
export class RefitBaselineInput {
  @Field(() => ArtifactRefInput)
  subject!: ArtifactRefInput;

  @Field(() => Stage, { nullable: true, description: 'Only this stage’s monitor; every stage when null.' })
  stage?: Stage | null;
}
