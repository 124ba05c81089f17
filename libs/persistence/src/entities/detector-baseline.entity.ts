import type { Stage, Subject } from '@damon/contracts';
import { Check, Column, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';

/**
 * Fitted detector state, a JSON object opaque to the database: each detector (de)serialises its own
 * format. Typed `object` because TypeORM's insert/upsert typing cannot descend into Record<string, unknown>.
 */
export type BaselineState = object;

/**
 * The fitted state of one detector for one subject at one stage (reference statistics, calibration
 * scores…), so a restarted or scaled-out monitor resumes without refitting. One current row per
 * subject, stage and detector; `formatVersion` tells the detector how to read `state`.
 */
@Entity({ name: 'detector_baselines' })
@Unique('uq_detector_baselines_subject_stage_detector', ['subjectKind', 'subjectId', 'stage', 'detector'])
@Check('ck_detector_baselines_stage', `"stage" IN ('data', 'signals', 'representations')`)
export class DetectorBaseline {
  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'pk_detector_baselines' })
  id!: string;

  @Column({ name: 'subject_kind', type: 'text' })
  subjectKind!: Subject['kind'];

  @Column({ name: 'subject_id', type: 'text' })
  subjectId!: string;

  @Column({ name: 'stage', type: 'text' })
  stage!: Stage;

  @Column({ name: 'detector', type: 'text' })
  detector!: string;

  @Column({ name: 'format_version', type: 'integer' })
  formatVersion!: number;

  @Column({ name: 'state', type: 'jsonb' })
  state!: BaselineState;

  @Column({ name: 'fitted_at', type: 'timestamptz' })
  fittedAt!: Date;
}
