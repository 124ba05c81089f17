import { Field, ObjectType } from '@nestjs/graphql';
import { requireRole } from '../auth/require-role.middleware';
import { Verdict } from './enums';

const triager = [requireRole('triager')];

@ObjectType('Triage', { description: 'People’s current decisions about an incident. Names need triager.' })
export class TriageModel {
  @Field()
  acknowledged!: boolean;

  @Field(() => Date, { nullable: true })
  acknowledgedAt!: Date | null;

  @Field(() => String, { nullable: true, middleware: triager })
  acknowledgedBy!: string | null;

  @Field(() => String, { nullable: true, middleware: triager })
  assignee!: string | null;

  @Field(() => Verdict, { nullable: true })
  verdict!: Verdict | null;

  @Field(() => String, { nullable: true })
  verdictNote!: string | null;

  @Field(() => String, { nullable: true, middleware: triager })
  verdictBy!: string | null;

  @Field(() => Date, { nullable: true })
  verdictAt!: Date | null;
}
