import { Field, ID, ObjectType } from '@nestjs/graphql';
import { Role } from './enums';

@ObjectType('ApiKey', { description: 'An API key’s public part; the secret is never readable.' })
export class ApiKeyModel {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field(() => Role)
  role!: Role;

  @Field()
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  revokedAt!: Date | null;
}
