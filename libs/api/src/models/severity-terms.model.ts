import { Field, Float, ObjectType } from '@nestjs/graphql';
import { DetectorWeightModel } from './detector-weight.model';

@ObjectType('SeverityTerms', { description: 'The terms an incident severity is the sum of.' })
export class SeverityTermsModel {
  @Field(() => Float, {
    description:
      '−log10 of the Fisher-combined minimum (tail) p-value of each detector, each softly bounded and raised to its ' +
      'verdict weight (see detectorWeights).',
  })
  evidence!: number;

  @Field(() => Float, {
    description: 'Half of −log10 Fisher(binomial tails of flagged items against α) per detector.',
  })
  flaggedCount!: number;

  @Field(() => Float, { description: '1 per stage beyond the first.' })
  stages!: number;

  @Field(() => Float, { description: 'min(1, log10(1 + alert span / 10 minutes)).' })
  persistence!: number;

  @Field(() => [DetectorWeightModel], {
    description:
      'The verdict weights applied to evidence and flagged counts, for detectors with verdicts on their subjects; ' +
      'detectors absent here weighed 1.',
  })
  detectorWeights!: DetectorWeightModel[];
}
