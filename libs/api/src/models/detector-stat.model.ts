import { Field, Float, Int, ObjectType } from '@nestjs/graphql';
import { ArtifactRefModel } from './artifact-ref.model';

@ObjectType('DetectorStat', {
  description:
    'One detector on one subject. Verdict counts are over distinct incidents that contain at least one of ' +
    'this detector’s alerts on this subject and carry that verdict. precision = deceptive / (deceptive + benign), ' +
    'null while neither verdict exists; inconclusive verdicts stay out of the ratio.',
})
export class DetectorStatModel {
  @Field()
  detector!: string;

  @Field(() => ArtifactRefModel)
  subject!: ArtifactRefModel;

  @Field(() => Int, { description: 'Alerts recorded, whatever became of them (correlated, silenced, …).' })
  alertCount!: number;

  @Field(() => Int, { description: 'Distinct incidents holding these alerts.' })
  incidentCount!: number;

  @Field(() => Int)
  deceptive!: number;

  @Field(() => Int)
  benign!: number;

  @Field(() => Int)
  inconclusive!: number;

  @Field(() => Float, { nullable: true })
  precision!: number | null;
}
