import type { ArtifactKind, Stage } from '@damon/contracts';
import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

export type MonitorPhase = 'learning' | 'monitoring';

/**
 * Where one subject stands in a stage monitor's baseline lifecycle. The row is locked (SELECT … FOR
 * UPDATE) by whoever handles the subject's events, so two instances, or a refit command and a batch,
 * never interleave their updates. `baselineVersion` names the fitted state in detector_baselines;
 * `fitCount` only grows, so a restart that refitted would show.
 */
@Entity({ name: 'monitor_subjects' })
@Check('ck_monitor_subjects_phase', `"phase" IN ('learning', 'monitoring')`)
export class MonitorSubject {
  @PrimaryColumn({ name: 'stage', type: 'text', primaryKeyConstraintName: 'pk_monitor_subjects' })
  stage!: Stage;

  @PrimaryColumn({ name: 'subject_kind', type: 'text', primaryKeyConstraintName: 'pk_monitor_subjects' })
  subjectKind!: ArtifactKind;

  @PrimaryColumn({ name: 'subject_id', type: 'text', primaryKeyConstraintName: 'pk_monitor_subjects' })
  subjectId!: string;

  @Column({ name: 'phase', type: 'text' })
  phase!: MonitorPhase;

  /** Items buffered in monitor_reference_batches since learning (re)opened. */
  @Column({ name: 'reference_items', type: 'integer', default: 0 })
  referenceItems!: number;

  @Column({ name: 'baseline_version', type: 'integer', default: 0 })
  baselineVersion!: number;

  @Column({ name: 'fit_count', type: 'integer', default: 0 })
  fitCount!: number;

  @Column({ name: 'fitted_at', type: 'timestamptz', nullable: true })
  fittedAt!: Date | null;

  /** State of streaming detectors (change-point statistics, counters) that moves with every event. */
  @Column({ name: 'stream_state', type: 'jsonb', default: () => `'{}'` })
  streamState!: Record<string, unknown>;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
