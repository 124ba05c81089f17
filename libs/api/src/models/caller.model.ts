import { Field, ObjectType } from '@nestjs/graphql';
import { Role } from './enums';

@ObjectType('Caller', { description: 'The API key making the request: lets a client adapt to its role.' })
export class CallerModel {
  @Field({ description: 'The key’s own name (the actor its audit entries carry).' })
  name!: string;

  @Field(() => Role)
  role!: Role;
}
