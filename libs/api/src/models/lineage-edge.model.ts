import { Field, ObjectType } from '@nestjs/graphql';
import { ArtifactRefModel } from './artifact-ref.model';
import { LineageRelation } from './enums';

@ObjectType('LineageEdge', { description: '`from` *relation* `to`, e.g. a dataset trained a run.' })
export class LineageEdgeModel {
  @Field(() => ArtifactRefModel)
  from!: ArtifactRefModel;

  @Field(() => ArtifactRefModel)
  to!: ArtifactRefModel;

  @Field(() => LineageRelation)
  relation!: LineageRelation;

  @Field(() => Date, {
    nullable: true,
    description: 'When the edge was reported; null for an edge only just published.',
  })
  occurredAt!: Date | null;
}
