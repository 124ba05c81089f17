import { Field, Float, Int, ObjectType } from '@nestjs/graphql';
import { JsonScalar } from '../graphql/json.scalar';
import { ArtifactRefModel } from './artifact-ref.model';
import { Stage } from './enums';

@ObjectType('DetectorSwitch')
export class DetectorSwitchModel {
  @Field()
  name!: string;

  @Field()
  enabled!: boolean;
}

@ObjectType('MonitorSettings', {
  description:
    'A subject’s overrides of one stage monitor’s settings. A null field is not overridden: the monitor uses its default (its environment). Running monitors read them for every batch they score.',
})
export class MonitorSettingsModel {
  @Field(() => Stage)
  stage!: Stage;

  @Field(() => ArtifactRefModel)
  subject!: ArtifactRefModel;

  @Field(() => Float, { nullable: true })
  alpha!: number | null;

  @Field(() => Int, { nullable: true })
  referenceSize!: number | null;

  @Field(() => Float, { nullable: true })
  calibrationFraction!: number | null;

  @Field(() => String, { nullable: true })
  referenceMode!: string | null;

  @Field(() => Int, { nullable: true })
  maxBatchItems!: number | null;

  @Field(() => Int, { nullable: true })
  windowSize!: number | null;

  @Field(() => String, { nullable: true })
  fusion!: string | null;

  @Field(() => Int, { nullable: true })
  averageRunLength!: number | null;

  @Field(() => [DetectorSwitchModel], { description: 'Only the switched ones; by name.' })
  detectors!: DetectorSwitchModel[];

  @Field(() => JsonScalar, { description: 'The stored row as the monitors read it.' })
  overrides!: Record<string, unknown>;

  @Field(() => Date, { nullable: true, description: 'Null: never set (or reset).' })
  updatedAt!: Date | null;
}
