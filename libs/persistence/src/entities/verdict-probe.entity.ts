import type { ArtifactKind } from '@damon/contracts';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The latest supervised probe fitted from verdicts for one model layer: its cross-validated AUROC,
 * the verdict counts it was fitted on, and whether it passed the deployment gate (then the monitor
 * scores new batches with `state` as detector `verdict-probe`).
 */
@Entity({ name: 'verdict_probes' })
export class VerdictProbe {
  @PrimaryColumn({ name: 'subject_kind', type: 'text', primaryKeyConstraintName: 'pk_verdict_probes' })
  subjectKind!: ArtifactKind;

  @PrimaryColumn({ name: 'subject_id', type: 'text', primaryKeyConstraintName: 'pk_verdict_probes' })
  subjectId!: string;

  @PrimaryColumn({ name: 'layer', type: 'text', primaryKeyConstraintName: 'pk_verdict_probes' })
  layer!: string;

  /** Incremented at every refit. */
  @Column({ name: 'version', type: 'integer' })
  version!: number;

  @Column({ name: 'deceptive_incidents', type: 'integer' })
  deceptiveIncidents!: number;

  @Column({ name: 'benign_incidents', type: 'integer' })
  benignIncidents!: number;

  /** Labelled vectors the probe was fitted on (an incident can hold several flagged items). */
  @Column({ name: 'training_rows', type: 'integer' })
  trainingRows!: number;

  @Column({ name: 'cv_auroc', type: 'double precision' })
  cvAuroc!: number;

  @Column({ name: 'folds', type: 'integer' })
  folds!: number;

  @Column({ name: 'deployed', type: 'boolean' })
  deployed!: boolean;

  /** The probe (LogisticProbeJson) and its calibration (held-out benign probabilities). */
  @Column({ name: 'state', type: 'jsonb' })
  state!: Record<string, unknown>;

  @Column({ name: 'fitted_at', type: 'timestamptz' })
  fittedAt!: Date;
}
