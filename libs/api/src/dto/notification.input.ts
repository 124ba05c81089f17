import { Field, Float, InputType, Int } from '@nestjs/graphql';
import { ArtifactKind, Stage } from '../models/enums';
import { NotificationReceiverKind } from '../models/notification.model';

@InputType('CreateNotificationReceiverInput')
export class CreateNotificationReceiverInput {
  @Field({ description: 'Unique, 1 to 128 characters.' })
  name!: string;

  @Field(() => NotificationReceiverKind)
  kind!: NotificationReceiverKind;

  @Field({ description: 'An absolute http(s) URL.' })
  url!: string;

  @Field(() => String, {
    nullable: true,
    description: 'WEBHOOK: required, 16 to 512 characters, signs every body. Write-only.',
  })
  secret?: string | null;
}

@InputType('UpdateNotificationReceiverInput', {
  description: 'The fields given change; the others keep their values.',
})
export class UpdateNotificationReceiverInput {
  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { nullable: true })
  url?: string | null;

  @Field(() => String, { nullable: true, description: 'A new secret (write-only).' })
  secret?: string | null;
}

@InputType('NotificationSubjectInput')
export class NotificationSubjectInput {
  @Field(() => ArtifactKind)
  kind!: ArtifactKind;

  @Field(() => String, { nullable: true, description: 'Omitted: every artifact of the kind.' })
  id?: string | null;
}

@InputType('CreateNotificationRouteInput')
export class CreateNotificationRouteInput {
  @Field({ description: 'Unique, 1 to 128 characters.' })
  name!: string;

  @Field({ description: 'The receiver’s id.' })
  receiverId!: string;

  @Field(() => Float, { nullable: true, description: 'Default 0 (every severity).' })
  minSeverity?: number | null;

  @Field(() => [Stage], { nullable: true, description: 'Default: any stage.' })
  stages?: Stage[] | null;

  @Field(() => [NotificationSubjectInput], {
    nullable: true,
    description: 'Default: any subject. At most 100.',
  })
  subjects?: NotificationSubjectInput[] | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Re-notify open incidents this often (1 s to 30 days); default: never.',
  })
  repeatIntervalSeconds?: number | null;

  @Field(() => Boolean, { nullable: true, description: 'Default true.' })
  sendResolved?: boolean | null;
}
