import { Field, Float, ID, ObjectType } from '@nestjs/graphql';
import { Stage } from './enums';

@ObjectType('FlaggedItem', {
  description: 'An item (sample, activation row) an alert pointed at; one row per item and alert.',
})
export class FlaggedItemModel {
  @Field()
  itemId!: string;

  @Field(() => Stage)
  stage!: Stage;

  @Field()
  detector!: string;

  @Field(() => ID)
  alertId!: string;

  @Field(() => Float)
  pValue!: number;

  @Field()
  occurredAt!: Date;
}
