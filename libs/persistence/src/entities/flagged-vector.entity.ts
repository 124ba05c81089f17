import type { ArtifactKind } from '@damon/contracts';
import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * The activation vector of an item a representation alert flagged, one row per layer, so that
 * operators' verdicts on the alert's incident can later label it (the verdict probe's training set).
 * Written in the monitor's transaction with the processed event id, so exactly once per alert; bounded
 * per subject and layer by rows and bytes, oldest (lowest id) dropped first.
 */
@Entity({ name: 'flagged_vectors' })
@Index('ux_flagged_vectors_alert_layer', ['alertId', 'layer'], { unique: true })
@Index('ix_flagged_vectors_subject_layer', ['subjectKind', 'subjectId', 'layer', 'id'])
export class FlaggedVector {
  @PrimaryGeneratedColumn({ name: 'id', type: 'bigint', primaryKeyConstraintName: 'pk_flagged_vectors' })
  id!: string;

  @Column({ name: 'alert_id', type: 'text' })
  alertId!: string;

  @Column({ name: 'subject_kind', type: 'text' })
  subjectKind!: ArtifactKind;

  @Column({ name: 'subject_id', type: 'text' })
  subjectId!: string;

  @Column({ name: 'layer', type: 'text' })
  layer!: string;

  @Column({ name: 'item_id', type: 'text' })
  itemId!: string;

  @Column({ name: 'dim', type: 'integer' })
  dim!: number;

  /** Little-endian float32, `dim` values. */
  @Column({ name: 'vector', type: 'bytea' })
  vector!: Buffer;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
