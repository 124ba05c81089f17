import { Field, InputType } from '@nestjs/graphql';
import { ArtifactKind } from '../models/enums';

@InputType('ArtifactFilter')
export class ArtifactFilterInput {
  @Field(() => ArtifactKind, { nullable: true })
  kind?: ArtifactKind | null;

  @Field(() => String, {
    nullable: true,
    description: 'Artifacts whose id starts with this text (taken literally).',
  })
  idPrefix?: string | null;
}
