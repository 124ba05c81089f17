import { Field, ID, ObjectType } from '@nestjs/graphql';
import { redactNamesBelow } from '../auth/redact-names.middleware';
import { requireRole } from '../auth/require-role.middleware';
import { JsonScalar } from '../graphql/json.scalar';

@ObjectType('TimelineEntry', { description: 'One entry of an incident’s append-only audit log.' })
export class TimelineEntryModel {
  @Field(() => ID)
  seq!: string;

  @Field()
  at!: Date;

  @Field({
    description:
      'opened, alert_added, merged, announced, acknowledged, assigned, verdict, comment, resolved, reopened…',
  })
  kind!: string;

  @Field({
    description: '`correlator` or the key name of the person who acted. Needs triager.',
    middleware: [requireRole('triager')],
  })
  actor!: string;

  @Field(() => JsonScalar, {
    description: 'What changed. Below triager, people’s names (`assignee`…) are left out.',
    middleware: [redactNamesBelow('triager')],
  })
  details!: Record<string, unknown>;
}
