import { Check, Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type NotificationReceiverKind = 'webhook' | 'slack';

/**
 * Where notifications go: a webhook (JSON body signed with HMAC-SHA256 over the body with `secret`)
 * or a Slack-compatible incoming webhook (`{"text": …}`). The secret is write-only through the API.
 */
@Entity({ name: 'notification_receivers' })
@Index('ux_notification_receivers_name', ['name'], { unique: true })
@Check('ck_notification_receivers_kind', `"kind" IN ('webhook', 'slack')`)
export class NotificationReceiver {
  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'pk_notification_receivers' })
  id!: string;

  @Column({ name: 'name', type: 'text' })
  name!: string;

  @Column({ name: 'kind', type: 'text' })
  kind!: NotificationReceiverKind;

  @Column({ name: 'url', type: 'text' })
  url!: string;

  @Column({ name: 'secret', type: 'text', nullable: true })
  secret!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
