import type { ArtifactKind, Stage } from '@damon/contracts';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Per-subject overrides of a stage monitor's settings (detectors on/off, alpha, window sizes);
 * whatever a row leaves out comes from the monitor's defaults (environment).
 */
@Entity({ name: 'monitor_settings' })
export class MonitorSettings {
  @PrimaryColumn({ name: 'stage', type: 'text', primaryKeyConstraintName: 'pk_monitor_settings' })
  stage!: Stage;

  @PrimaryColumn({ name: 'subject_kind', type: 'text', primaryKeyConstraintName: 'pk_monitor_settings' })
  subjectKind!: ArtifactKind;

  @PrimaryColumn({ name: 'subject_id', type: 'text', primaryKeyConstraintName: 'pk_monitor_settings' })
  subjectId!: string;

  @Column({ name: 'settings', type: 'jsonb' })
  settings!: Record<string, unknown>;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
