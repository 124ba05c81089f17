import { Field, ObjectType } from '@nestjs/graphql';
import { TriageAction, Verdict } from './enums';

@ObjectType('TriageChange', {
  description:
    'What a person did, as announced on damon.incidents: no names (query `incident { triage }` for them).',
})
export class TriageChangeModel {
  @Field(() => TriageAction)
  action!: TriageAction;

  @Field(() => Verdict, { nullable: true, description: 'For VERDICT: the verdict set.' })
  verdict!: Verdict | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'For ASSIGNED: whether the incident has an assignee now.',
  })
  assigned!: boolean | null;
}
