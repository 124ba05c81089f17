import { Field, Float, Int, ObjectType } from '@nestjs/graphql';
import { ArtifactRefModel } from './artifact-ref.model';

@ObjectType('VerdictProbe', {
  description:
    'The supervised probe of one model layer, learned from verdicts on incidents whose representation alerts ' +
    'kept their flagged items’ vectors. Fitted once the layer has at least 20 incidents judged deceptive and 20 ' +
    'judged benign; deployed as detector `verdict-probe` only when its cross-validated AUROC is at least 0.9. ' +
    'It adds evidence and never hides the unsupervised detectors’ alerts.',
})
export class VerdictProbeModel {
  @Field(() => ArtifactRefModel)
  subject!: ArtifactRefModel;

  @Field()
  layer!: string;

  @Field(() => Int, { description: 'Incidents judged deceptive with stored vectors on this layer, now.' })
  deceptiveIncidents!: number;

  @Field(() => Int, { description: 'Incidents judged benign with stored vectors on this layer, now.' })
  benignIncidents!: number;

  @Field(() => Float, {
    nullable: true,
    description: 'Cross-validated AUROC of the latest fit (folds by incident); null before the first fit.',
  })
  cvAuroc!: number | null;

  @Field({ description: 'Whether the latest fit passed the AUROC gate and scores new batches.' })
  deployed!: boolean;

  @Field(() => Int, { nullable: true, description: 'Fits so far (the probe is refitted as verdicts grow).' })
  version!: number | null;

  @Field(() => Int, { nullable: true, description: 'Labelled vectors the latest fit used.' })
  trainingRows!: number | null;

  @Field(() => Int, { nullable: true })
  fittedOnDeceptive!: number | null;

  @Field(() => Int, { nullable: true })
  fittedOnBenign!: number | null;

  @Field(() => Date, { nullable: true })
  fittedAt!: Date | null;
}
