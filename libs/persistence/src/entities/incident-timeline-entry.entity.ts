import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * The incident's audit log: what the correlator did (opened, alert_added, merged, announced…) and
 * what people did (verdicts, comments, resolution, through the API). Append-only: a trigger in the
 * migration refuses UPDATE and DELETE.
 */
@Entity({ name: 'incident_timeline' })
@Index('ix_incident_timeline_incident', ['incidentId', 'seq'])
export class IncidentTimelineEntry {
  /** bigint: pg returns it as a string. */
  @PrimaryGeneratedColumn('increment', {
    name: 'seq',
    type: 'bigint',
    primaryKeyConstraintName: 'pk_incident_timeline',
  })
  seq!: string;

  @Column({ name: 'incident_id', type: 'text' })
  incidentId!: string;

  @Column({ name: 'at', type: 'timestamptz', default: () => 'now()' })
  at!: Date;

  @Column({ name: 'kind', type: 'text' })
  kind!: string;

  /** `correlator` or the person who acted. */
  @Column({ name: 'actor', type: 'text' })
  actor!: string;

  @Column({ name: 'details', type: 'jsonb', default: () => `'{}'` })
  details!: Record<string, unknown>;
}
