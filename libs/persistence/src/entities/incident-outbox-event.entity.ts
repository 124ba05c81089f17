import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * IncidentEvents waiting to be published to damon.incidents. Written in the transaction that made
 * the change and drained after commit, so a crash between commit and publish loses nothing; the
 * event id is fixed at write time, so a re-publish after a crash is recognisable downstream.
 */
@Entity({ name: 'incident_outbox' })
@Index('ix_incident_outbox_event_id', ['eventId'], { unique: true })
@Index('ix_incident_outbox_pending', ['seq'], { where: '"published_at" IS NULL' })
export class IncidentOutboxEvent {
  @PrimaryGeneratedColumn('increment', {
    name: 'seq',
    type: 'bigint',
    primaryKeyConstraintName: 'pk_incident_outbox',
  })
  seq!: string;

  @Column({ name: 'event_id', type: 'text' })
  eventId!: string;

  @Column({ name: 'incident_id', type: 'text' })
  incidentId!: string;

  /** The IncidentEvent, validated against its schema when published. */
  @Column({ name: 'payload', type: 'jsonb' })
  payload!: Record<string, unknown>;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt!: Date | null;
}
