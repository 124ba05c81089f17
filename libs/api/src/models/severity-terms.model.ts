import { Field, Float, ObjectType } from '@nestjs/graphql';

@ObjectType('SeverityTerms', { description: 'The terms an incident severity is the sum of.' })
export class SeverityTermsModel {
  @Field(() => Float, {
    description:
      '−log10 of the Fisher-combined minimum (tail) p-value of each detector, each floored at 1e-10.',
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
}
