import { Field, Int, ObjectType } from '@nestjs/graphql';
import { ArtifactRefModel } from './artifact-ref.model';
import { Stage } from './enums';

@ObjectType('UnavailableDetector', { description: 'A detector the last fit could not fit, and why.' })
export class UnavailableDetectorModel {
  @Field()
  detector!: string;

  @Field()
  reason!: string;
}

@ObjectType('SubjectStatus', {
  description:
    'A monitored subject’s lifecycle at one stage: learning (n of N reference items) or monitoring, and which detectors run.',
})
export class SubjectStatusModel {
  @Field(() => Stage)
  stage!: Stage;

  @Field(() => ArtifactRefModel)
  subject!: ArtifactRefModel;

  @Field({ description: '`learning` (buffering the trusted reference) or `monitoring` (fitted).' })
  phase!: string;

  @Field(() => Int, { description: 'Reference items buffered so far (0 once fitted).' })
  referenceItems!: number;

  @Field(() => Int, {
    nullable: true,
    description:
      'Reference items needed before the fit (N), as the monitor last saw it; null before any event.',
  })
  referenceTarget!: number | null;

  @Field(() => Int)
  baselineVersion!: number;

  @Field(() => Int)
  fitCount!: number;

  @Field(() => Date, { nullable: true })
  fittedAt!: Date | null;

  @Field(() => [String], { description: 'Detectors fitted in the current baseline.' })
  detectors!: string[];

  @Field(() => [UnavailableDetectorModel], {
    description: 'Detectors the last fit could not fit, with the reason.',
  })
  unavailable!: UnavailableDetectorModel[];

  @Field()
  updatedAt!: Date;
}
