import { Field, Float, ID, Int, ObjectType } from '@nestjs/graphql';
import { JsonScalar } from '../graphql/json.scalar';
import { ArtifactRefModel } from './artifact-ref.model';
import { AlertStatus, Stage } from './enums';

@ObjectType('Alert', { description: 'A stage monitor’s finding, as the correlator recorded it.' })
export class AlertModel {
  @Field(() => ID)
  alertId!: string;

  @Field(() => Stage)
  stage!: Stage;

  @Field()
  detector!: string;

  @Field(() => ArtifactRefModel)
  subject!: ArtifactRefModel;

  @Field(() => Float)
  score!: number;

  @Field(() => Float)
  pValue!: number;

  @Field(() => Float, { description: 'The false-positive rate the threshold was calibrated for.' })
  alpha!: number;

  @Field(() => JsonScalar)
  evidence!: Record<string, unknown>;

  @Field()
  windowFrom!: Date;

  @Field()
  windowTo!: Date;

  @Field()
  occurredAt!: Date;

  @Field()
  recordedAt!: Date;

  @Field(() => AlertStatus)
  status!: AlertStatus;

  @Field(() => [String], { description: 'Ids of the items the alert pointed at (bounded; empty when none).' })
  flaggedItemIds!: string[];

  @Field(() => Int, { description: 'How many items the alert flagged in all (may exceed the ids listed).' })
  flaggedItemCount!: number;
}
