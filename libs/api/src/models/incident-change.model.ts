import { Field, Float, ID, ObjectType } from '@nestjs/graphql';
import { ArtifactRefModel } from './artifact-ref.model';
import { IncidentChangeKind, Stage } from './enums';
import { TriageChangeModel } from './triage-change.model';

@ObjectType('IncidentChange', {
  description: 'An IncidentEvent from damon.incidents, as the correlator or the API announced it.',
})
export class IncidentChangeModel {
  @Field(() => ID)
  eventId!: string;

  @Field(() => IncidentChangeKind)
  change!: IncidentChangeKind;

  @Field(() => ID)
  incidentId!: string;

  @Field(() => Float)
  severity!: number;

  @Field(() => [Stage])
  stages!: Stage[];

  @Field(() => [ArtifactRefModel])
  subjects!: ArtifactRefModel[];

  @Field(() => [ID])
  alertIds!: string[];

  @Field()
  occurredAt!: Date;

  @Field(() => String, { nullable: true })
  mergedInto!: string | null;

  @Field(() => TriageChangeModel, {
    nullable: true,
    description: 'For changes people made through the API (TRIAGED, and resolve/reopen).',
  })
  triage!: TriageChangeModel | null;
}
