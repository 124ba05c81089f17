import type { ArtifactKind, Stage } from '@damon/contracts';
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { NotificationReceiver } from './notification-receiver.entity';

/**
 * Which incidents reach a receiver (Alertmanager's routes, flat): an incident matches when its
 * severity is at least `minSeverity`, it has one of `stages` (empty: any) and one of `subjects`
 * (empty: any; a subject without id matches every artifact of its kind).
 */
@Entity({ name: 'notification_routes' })
@Index('ux_notification_routes_name', ['name'], { unique: true })
@Index('ix_notification_routes_receiver', ['receiverId'])
export class NotificationRoute {
  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'pk_notification_routes' })
  id!: string;

  @Column({ name: 'name', type: 'text' })
  name!: string;

  @Column({ name: 'receiver_id', type: 'uuid' })
  receiverId!: string;

  @ManyToOne(() => NotificationReceiver, { onDelete: 'CASCADE' })
  @JoinColumn({
    name: 'receiver_id',
    referencedColumnName: 'id',
    foreignKeyConstraintName: 'fk_notification_routes_receiver',
  })
  receiver?: NotificationReceiver;

  @Column({ name: 'min_severity', type: 'float8', default: 0 })
  minSeverity!: number;

  @Column({ name: 'stages', type: 'jsonb', default: () => `'[]'` })
  stages!: Stage[];

  @Column({ name: 'subjects', type: 'jsonb', default: () => `'[]'` })
  subjects!: { kind: ArtifactKind; id?: string }[];

  /** Re-notify an incident still open this long after its last notification; null: never. */
  @Column({ name: 'repeat_interval_seconds', type: 'integer', nullable: true })
  repeatIntervalSeconds!: number | null;

  @Column({ name: 'send_resolved', type: 'boolean', default: true })
  sendResolved!: boolean;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
