import { Field, Int, ObjectType } from '@nestjs/graphql';
import { AlertModel } from './alert.model';
import { Stage } from './enums';

@ObjectType('StageAlerts', { description: 'An incident’s alerts of one stage, most recent first.' })
export class StageAlertsModel {
  @Field(() => Stage)
  stage!: Stage;

  @Field(() => Int, { description: 'All of this stage’s alerts in the incident, however many are listed.' })
  alertCount!: number;

  @Field(() => [AlertModel])
  alerts!: AlertModel[];
}
