import { Field, Float, ID, Int, ObjectType } from '@nestjs/graphql';
import { IncidentStatus, Stage } from './enums';
import { SeverityTermsModel } from './severity-terms.model';
import { TriageModel } from './triage.model';

@ObjectType('Incident', { description: 'Alerts from one or more stages fused along lineage.' })
export class IncidentModel {
  @Field(() => ID)
  id!: string;

  @Field(() => IncidentStatus)
  status!: IncidentStatus;

  @Field(() => Float, {
    description:
      'Evidence (Fisher-combined tail p-values per detector) + flagged counts + stages + persistence: see severityTerms.',
  })
  severity!: number;

  @Field(() => SeverityTermsModel, {
    nullable: true,
    description: 'Which terms made the severity; null for incidents recorded before terms were kept.',
  })
  severityTerms!: SeverityTermsModel | null;

  @Field(() => [Stage])
  stages!: Stage[];

  @Field(() => Int)
  alertCount!: number;

  @Field()
  firstAlertAt!: Date;

  @Field()
  lastAlertAt!: Date;

  @Field()
  createdAt!: Date;

  @Field()
  updatedAt!: Date;

  @Field(() => Date, { nullable: true })
  resolvedAt!: Date | null;

  @Field(() => String, {
    nullable: true,
    description: 'For a merged incident: the incident it was merged into.',
  })
  mergedInto!: string | null;

  @Field(() => Int)
  version!: number;

  @Field(() => TriageModel)
  triage!: TriageModel;
}
