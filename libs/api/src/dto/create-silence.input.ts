import { Field, InputType } from '@nestjs/graphql';
import { ArtifactKind, Stage } from '../models/enums';

@InputType('CreateSilenceInput', {
  description: 'At least one matcher (detector, subjectKind, subjectId, stage).',
})
export class CreateSilenceInput {
  @Field(() => String, { nullable: true })
  detector?: string | null;

  @Field(() => ArtifactKind, { nullable: true })
  subjectKind?: ArtifactKind | null;

  @Field(() => String, { nullable: true })
  subjectId?: string | null;

  @Field(() => Stage, { nullable: true })
  stage?: Stage | null;

  @Field(() => Date, { nullable: true, description: 'Default: now.' })
  startsAt?: Date | null;

  @Field()
  endsAt!: Date;

  @Field({ description: 'Why: required, up to 2000 characters.' })
  comment!: string;
}
