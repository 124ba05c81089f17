import type { ArtifactKind, Stage } from '@damon/contracts';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One trusted telemetry event buffered while a subject learns its reference, so the learning phase
 * survives a restart: the fit reads them back in `seq` order and deletes them.
 */
@Entity({ name: 'monitor_reference_batches' })
export class MonitorReferenceBatch {
  @PrimaryColumn({ name: 'stage', type: 'text', primaryKeyConstraintName: 'pk_monitor_reference_batches' })
  stage!: Stage;

  @PrimaryColumn({
    name: 'subject_kind',
    type: 'text',
    primaryKeyConstraintName: 'pk_monitor_reference_batches',
  })
  subjectKind!: ArtifactKind;

  @PrimaryColumn({
    name: 'subject_id',
    type: 'text',
    primaryKeyConstraintName: 'pk_monitor_reference_batches',
  })
  subjectId!: string;

  /** Position in the reference: the subject's referenceItems before this event was added. */
  @PrimaryColumn({ name: 'seq', type: 'integer', primaryKeyConstraintName: 'pk_monitor_reference_batches' })
  seq!: number;

  @Column({ name: 'event_id', type: 'text' })
  eventId!: string;

  @Column({ name: 'items', type: 'integer' })
  items!: number;

  /** The validated event as it arrived on the bus (JSON bytes). */
  @Column({ name: 'payload', type: 'bytea' })
  payload!: Buffer;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
