import { Field, Float, InputType } from '@nestjs/graphql';
import { IncidentStatus, Stage, Verdict } from '../models/enums';
import { ArtifactRefInput } from './artifact-ref.input';

@InputType('IncidentFilter', { description: 'Every given condition must hold.' })
export class IncidentFilterInput {
  @Field(() => [IncidentStatus], { nullable: true, description: 'Any of these statuses.' })
  status?: IncidentStatus[] | null;

  @Field(() => Float, { nullable: true })
  severityMin?: number | null;

  @Field(() => [Stage], { nullable: true, description: 'Incidents spanning all of these stages.' })
  stages?: Stage[] | null;

  @Field(() => ArtifactRefInput, { nullable: true, description: 'Incidents concerning this artifact.' })
  subject?: ArtifactRefInput | null;

  @Field(() => String, { nullable: true, description: 'Incidents holding an alert from this detector.' })
  detector?: string | null;

  @Field(() => [Verdict], { nullable: true, description: 'Incidents with any of these verdicts.' })
  verdict?: Verdict[] | null;

  @Field(() => Date, {
    nullable: true,
    description: 'Incidents whose alerts (event time) reach `from` or later.',
  })
  from?: Date | null;

  @Field(() => Date, {
    nullable: true,
    description: 'Incidents whose alerts (event time) begin before `to`.',
  })
  to?: Date | null;
}
