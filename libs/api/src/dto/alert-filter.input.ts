import { Field, InputType } from '@nestjs/graphql';
import { AlertStatus, Stage } from '../models/enums';
import { ArtifactRefInput } from './artifact-ref.input';

@InputType('AlertFilter', { description: 'Every given condition must hold.' })
export class AlertFilterInput {
  @Field(() => String, { nullable: true })
  incidentId?: string | null;

  @Field(() => [Stage], { nullable: true })
  stages?: Stage[] | null;

  @Field(() => String, { nullable: true })
  detector?: string | null;

  @Field(() => ArtifactRefInput, { nullable: true })
  subject?: ArtifactRefInput | null;

  @Field(() => [AlertStatus], { nullable: true })
  status?: AlertStatus[] | null;

  @Field(() => Date, { nullable: true, description: 'Event time at or after.' })
  from?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Event time before.' })
  to?: Date | null;
}
