import { Field, ObjectType } from '@nestjs/graphql';
import { ArtifactRefModel } from './artifact-ref.model';
import { LineageEdgeModel } from './lineage-edge.model';

@ObjectType('LineageGraph', { description: 'A bounded neighbourhood of the lineage graph.' })
export class LineageGraphModel {
  @Field(() => [ArtifactRefModel])
  nodes!: ArtifactRefModel[];

  @Field(() => [LineageEdgeModel])
  edges!: LineageEdgeModel[];

  @Field({ description: 'True when the node cap cut the walk short.' })
  truncated!: boolean;
}
