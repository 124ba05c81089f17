import { Field, ID, ObjectType } from '@nestjs/graphql';
import { requireRole } from '../auth/require-role.middleware';
import { ArtifactKind, Stage } from './enums';

@ObjectType('Silence', {
  description: 'Mutes alerts matching every non-null matcher with event time in [startsAt, endsAt).',
})
export class SilenceModel {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  detector!: string | null;

  @Field(() => ArtifactKind, { nullable: true })
  subjectKind!: ArtifactKind | null;

  @Field(() => String, { nullable: true })
  subjectId!: string | null;

  @Field(() => Stage, { nullable: true })
  stage!: Stage | null;

  @Field()
  startsAt!: Date;

  @Field()
  endsAt!: Date;

  @Field({ description: 'True when now lies in [startsAt, endsAt).' })
  active!: boolean;

  @Field({ description: 'Needs triager.', middleware: [requireRole('triager')] })
  author!: string;

  @Field()
  comment!: string;

  @Field()
  createdAt!: Date;
}
