import type { ArtifactKind, Stage } from '@damon/contracts';
import { Check, Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Mutes alerts that match every non-null matcher and whose event time lies in [startsAt, endsAt).
 * Muted alerts are still recorded (status `silenced`), they only do not open or join incidents.
 * Expiring a silence early sets `endsAt`.
 */
@Entity({ name: 'silences' })
@Check(
  'ck_silences_has_matcher',
  `"detector" IS NOT NULL OR "subject_kind" IS NOT NULL OR "subject_id" IS NOT NULL OR "stage" IS NOT NULL`,
)
@Check('ck_silences_period', `"ends_at" > "starts_at"`)
export class Silence {
  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'pk_silences' })
  id!: string;

  @Column({ name: 'detector', type: 'text', nullable: true })
  detector!: string | null;

  @Column({ name: 'subject_kind', type: 'text', nullable: true })
  subjectKind!: ArtifactKind | null;

  @Column({ name: 'subject_id', type: 'text', nullable: true })
  subjectId!: string | null;

  @Column({ name: 'stage', type: 'text', nullable: true })
  stage!: Stage | null;

  @Column({ name: 'starts_at', type: 'timestamptz' })
  startsAt!: Date;

  @Column({ name: 'ends_at', type: 'timestamptz' })
  endsAt!: Date;

  @Column({ name: 'author', type: 'text' })
  author!: string;

  @Column({ name: 'comment', type: 'text' })
  comment!: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
