import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * An event a consumer group has handled. Consumers insert this row in the same transaction as the
 * event's effect (see recordProcessedOnce), so a redelivered event is recognised and skipped.
 */
@Entity({ name: 'processed_events' })
export class ProcessedEvent {
  @PrimaryColumn({ name: 'consumer_group', type: 'text', primaryKeyConstraintName: 'pk_processed_events' })
  consumerGroup!: string;

  @PrimaryColumn({ name: 'event_id', type: 'text', primaryKeyConstraintName: 'pk_processed_events' })
  eventId!: string;

  @Column({ name: 'processed_at', type: 'timestamptz', default: () => 'now()' })
  processedAt!: Date;
}
