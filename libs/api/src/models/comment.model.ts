import { Field, ID, ObjectType } from '@nestjs/graphql';
import { requireRole } from '../auth/require-role.middleware';

@ObjectType('Comment')
export class CommentModel {
  @Field(() => ID)
  id!: string;

  @Field()
  incidentId!: string;

  @Field()
  at!: Date;

  @Field()
  body!: string;

  @Field({ description: 'Needs triager.', middleware: [requireRole('triager')] })
  author!: string;
}
