import { Field, Float, Int, ObjectType } from '@nestjs/graphql';
import { ArtifactRefModel } from './artifact-ref.model';

@ObjectType('DetectorWeight', {
  description:
    'The verdict weight a detector’s evidence had in a severity: the posterior mean precision under a Beta(2, 0.5) prior ' +
    'over its benign and deceptive verdicts on the subjects it alerted on, divided by the prior mean (1 without verdicts).',
})
export class DetectorWeightModel {
  @Field()
  detector!: string;

  @Field(() => Float, { description: 'In [0, 1]: its −log10 p-values were multiplied by this.' })
  weight!: number;

  @Field(() => Int, { description: 'Incidents judged benign that hold its alerts on these subjects.' })
  benign!: number;

  @Field(() => Int, { description: 'Incidents judged deceptive that hold its alerts on these subjects.' })
  deceptive!: number;

  @Field(() => [ArtifactRefModel], { description: 'The subjects whose verdict records were summed.' })
  subjects!: ArtifactRefModel[];
}
