import { Field, Float, InputType, Int } from '@nestjs/graphql';
import { Stage } from '../models/enums';
import { ArtifactRefInput } from './artifact-ref.input';

@InputType('DetectorSwitchInput')
export class DetectorSwitchInput {
  @Field({ description: 'A detector of the stage, e.g. `gaussian`, `knn`, `cusum` (1 to 128 characters).' })
  name!: string;

  @Field()
  enabled!: boolean;
}

/** The settings a write changes; each field left out (or null) keeps its current value. */
@InputType('MonitorSettingsInput')
export class MonitorSettingsInput {
  @Field(() => Float, { nullable: true, description: 'False-positive rate per scored unit, in (0, 1).' })
  alpha?: number | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Reference items before a fit; at least 4. Applies to the next fit.',
  })
  referenceSize?: number | null;

  @Field(() => Float, {
    nullable: true,
    description: 'Share of the reference held out to calibrate, in (0, 1).',
  })
  calibrationFraction?: number | null;

  @Field(() => String, { nullable: true, description: '`trusted` or `first-n`.' })
  referenceMode?: string | null;

  @Field(() => Int, { nullable: true, description: 'Larger batches are dead-lettered; at least 1.' })
  maxBatchItems?: number | null;

  @Field(() => Int, { nullable: true, description: 'The stage’s window (rows or steps); at least 2.' })
  windowSize?: number | null;

  @Field(() => String, {
    nullable: true,
    description:
      '`fisher`, `min-p-sidak`, `cauchy`, `adaptive-cauchy` or `adaptive-fisher` (representations; default `adaptive-fisher`).',
  })
  fusion?: string | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Signals: in-control steps per false change alarm; at least 10.',
  })
  averageRunLength?: number | null;

  @Field(() => [DetectorSwitchInput], {
    nullable: true,
    description: 'Detector switches, merged by name over the current ones (a detector never switched is on).',
  })
  detectors?: DetectorSwitchInput[] | null;
}

@InputType('SetMonitorSettingsInput')
export class SetMonitorSettingsInput {
  @Field(() => Stage)
  stage!: Stage;

  @Field(() => ArtifactRefInput)
  subject!: ArtifactRefInput;

  @Field(() => MonitorSettingsInput)
  settings!: MonitorSettingsInput;
}

@InputType('ResetMonitorSettingsInput')
export class ResetMonitorSettingsInput {
  @Field(() => Stage)
  stage!: Stage;

  @Field(() => ArtifactRefInput)
  subject!: ArtifactRefInput;

  @Field(() => [String], {
    nullable: true,
    description:
      'The settings to return to the monitor’s defaults, e.g. `alpha`, `detectors` (every switch) or `detectors.knn` (one); all of them when null.',
  })
  fields?: string[] | null;
}
