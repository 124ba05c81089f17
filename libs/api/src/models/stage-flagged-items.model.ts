import { Field, Int, ObjectType } from '@nestjs/graphql';
import { Stage } from './enums';

@ObjectType('StageFlaggedItems', { description: 'How many items an incident’s alerts flagged at one stage.' })
export class StageFlaggedItemsModel {
  @Field(() => Stage)
  stage!: Stage;

  @Field(() => Int, { description: 'Distinct item ids listed by the alerts (and their duplicates).' })
  listed!: number;

  @Field(() => Int, { description: 'Items flagged beyond the ids the alerts could list (bounded lists).' })
  notListed!: number;
}
