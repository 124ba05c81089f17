import { Field, ID, ObjectType } from '@nestjs/graphql';
import { LineageEdgeModel } from './lineage-edge.model';

@ObjectType('LinkArtifactsPayload', {
  description: 'The LineageEdge published to damon.lineage; the correlator records it.',
})
export class LinkArtifactsPayload {
  @Field(() => ID)
  eventId!: string;

  @Field(() => LineageEdgeModel)
  edge!: LineageEdgeModel;
}
