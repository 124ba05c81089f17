import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { NotificationReceiver } from './notification-receiver.entity';

export type NotificationDeliveryStatus = 'pending' | 'delivered' | 'failed' | 'silenced';

/**
 * The notification outbox: one row per incident change and receiver, written in the transaction of
 * the change. The sender claims a row (attempt recorded, next attempt pushed past the send's
 * timeout) before sending, so a crash mid-send retries it after the lease and never loses it; the
 * idempotency key (incident id + change sequence) is unique per receiver, so a change is queued once.
 */
@Entity({ name: 'notification_outbox' })
@Index('ux_notification_outbox_key', ['receiverId', 'idempotencyKey'], { unique: true })
@Index('ix_notification_outbox_due', ['nextAttemptAt'], { where: `"status" = 'pending'` })
@Index('ix_notification_outbox_incident', ['incidentId'])
@Check('ck_notification_outbox_status', `"status" IN ('pending', 'delivered', 'failed', 'silenced')`)
export class NotificationDelivery {
  @PrimaryGeneratedColumn('increment', {
    name: 'seq',
    type: 'bigint',
    primaryKeyConstraintName: 'pk_notification_outbox',
  })
  seq!: string;

  /** Incident id + change sequence (the incident event's id, or a repeat's). */
  @Column({ name: 'idempotency_key', type: 'text' })
  idempotencyKey!: string;

  /** The same for every notification of one incident. */
  @Column({ name: 'dedup_key', type: 'text' })
  dedupKey!: string;

  @Column({ name: 'incident_id', type: 'text' })
  incidentId!: string;

  @Column({ name: 'change', type: 'text' })
  change!: string;

  @Column({ name: 'receiver_id', type: 'uuid' })
  receiverId!: string;

  @ManyToOne(() => NotificationReceiver, { onDelete: 'CASCADE' })
  @JoinColumn({
    name: 'receiver_id',
    referencedColumnName: 'id',
    foreignKeyConstraintName: 'fk_notification_outbox_receiver',
  })
  receiver?: NotificationReceiver;

  /** The route that matched (null once that route is deleted). */
  @Column({ name: 'route_id', type: 'uuid', nullable: true })
  routeId!: string | null;

  /** The notification (the webhook body before signing). */
  @Column({ name: 'payload', type: 'jsonb' })
  payload!: Record<string, unknown>;

  @Column({ name: 'status', type: 'text', default: 'pending' })
  status!: NotificationDeliveryStatus;

  @Column({ name: 'attempts', type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', default: () => 'now()' })
  nextAttemptAt!: Date;

  @Column({ name: 'last_attempt_at', type: 'timestamptz', nullable: true })
  lastAttemptAt!: Date | null;

  @Column({ name: 'last_status_code', type: 'integer', nullable: true })
  lastStatusCode!: number | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
