import { Field, ID, ObjectType } from '@nestjs/graphql';
import { ArtifactRefModel } from './artifact-ref.model';
import { Stage } from './enums';

@ObjectType('RefitBaselinePayload', { description: 'The BaselineCommand published to damon.commands.' })
export class RefitBaselinePayload {
  @Field(() => ID)
  eventId!: string;

  @Field(() => ArtifactRefModel)
  subject!: ArtifactRefModel;

  @Field(() => Stage, { nullable: true, description: 'Null: every stage’s monitor.' })
  stage!: Stage | null;
}
