import { Field, Float, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { ArtifactKind, Stage } from './enums';

export enum NotificationReceiverKind {
  WEBHOOK = 'webhook',
  SLACK = 'slack',
}

export enum NotificationDeliveryStatus {
  PENDING = 'pending',
  DELIVERED = 'delivered',
  FAILED = 'failed',
  SILENCED = 'silenced',
}

registerEnumType(NotificationReceiverKind, {
  name: 'NotificationReceiverKind',
  description:
    'WEBHOOK: a JSON body signed with HMAC-SHA256 (header X-Damon-Signature: sha256=<hex>); SLACK: a Slack-compatible incoming webhook ({"text": …}).',
});
registerEnumType(NotificationDeliveryStatus, {
  name: 'NotificationDeliveryStatus',
  description:
    'PENDING: not yet delivered (retried with back-off); DELIVERED: a 2xx answer; FAILED: every attempt failed; SILENCED: muted by a silence, never sent.',
});

@ObjectType('NotificationReceiver', { description: 'Where notifications go. The secret is write-only.' })
export class NotificationReceiverModel {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field(() => NotificationReceiverKind)
  kind!: NotificationReceiverKind;

  @Field({
    description: 'The URL; for SLACK only its origin (the path of an incoming webhook is its credential).',
  })
  url!: string;

  @Field({ description: 'Whether a signing secret is set (the secret itself is never returned).' })
  hasSecret!: boolean;

  @Field()
  createdAt!: Date;

  @Field()
  updatedAt!: Date;
}

@ObjectType('NotificationSubject', {
  description: 'A subject matcher: a kind, and an id unless any of the kind.',
})
export class NotificationSubjectModel {
  @Field(() => ArtifactKind)
  kind!: ArtifactKind;

  @Field(() => String, { nullable: true })
  id!: string | null;
}

@ObjectType('NotificationRoute', {
  description:
    'Sends the incidents it matches to its receiver: severity at least minSeverity, one of stages (empty: any), one of subjects (empty: any).',
})
export class NotificationRouteModel {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field(() => ID)
  receiverId!: string;

  @Field()
  receiverName!: string;

  @Field(() => Float)
  minSeverity!: number;

  @Field(() => [Stage])
  stages!: Stage[];

  @Field(() => [NotificationSubjectModel])
  subjects!: NotificationSubjectModel[];

  @Field(() => Int, {
    nullable: true,
    description: 'Re-notify an incident still open this long after its last notification; null: never.',
  })
  repeatIntervalSeconds!: number | null;

  @Field({ description: 'Whether resolved incidents are notified.' })
  sendResolved!: boolean;

  @Field()
  createdAt!: Date;
}

@ObjectType('NotificationDelivery', {
  description: 'One notification of one incident change to one receiver.',
})
export class NotificationDeliveryModel {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'Incident id + change sequence, sent as the Idempotency-Key header.' })
  idempotencyKey!: string;

  @Field({ description: 'The same for every notification of the incident (header X-Damon-Dedup-Key).' })
  dedupKey!: string;

  @Field()
  incidentId!: string;

  @Field({ description: 'The incident change (opened, updated, merged, resolved), or repeat.' })
  change!: string;

  @Field(() => ID)
  receiverId!: string;

  @Field()
  receiverName!: string;

  @Field(() => NotificationDeliveryStatus)
  status!: NotificationDeliveryStatus;

  @Field(() => Int)
  attempts!: number;

  @Field(() => Date, { nullable: true })
  lastAttemptAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When a pending notification is tried next.' })
  nextAttemptAt!: Date | null;

  @Field(() => Int, { nullable: true })
  lastStatusCode!: number | null;

  @Field(() => String, { nullable: true, description: 'Why the last failed attempt failed.' })
  lastError!: string | null;

  @Field(() => Date, { nullable: true })
  deliveredAt!: Date | null;

  @Field()
  createdAt!: Date;
}
