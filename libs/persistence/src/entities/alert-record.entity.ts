import type { ArtifactKind, Stage } from '@damon/contracts';
import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** What the correlator did with an alert. Every alert is recorded, whatever became of it. */
export type AlertRecordStatus = 'correlated' | 'silenced' | 'inhibited' | 'duplicate';

/**
 * A StageAlert as received. `correlated` alerts belong to an incident (incident_alerts); the others
 * say why they do not: the silence that muted it, the ingestion-gap alert that inhibited it, or the
 * earlier alert with the same fingerprint (detector + subject + window).
 */
@Entity({ name: 'alerts' })
@Index('ix_alerts_fingerprint', ['fingerprint'])
@Index('ix_alerts_subject_detector', ['subjectKind', 'subjectId', 'detector'])
@Check('ck_alerts_status', `"status" IN ('correlated', 'silenced', 'inhibited', 'duplicate')`)
@Check('ck_alerts_stage', `"stage" IN ('data', 'signals', 'representations')`)
export class AlertRecord {
  @PrimaryColumn({ name: 'alert_id', type: 'text', primaryKeyConstraintName: 'pk_alerts' })
  alertId!: string;

  @Column({ name: 'event_id', type: 'text' })
  eventId!: string;

  @Column({ name: 'stage', type: 'text' })
  stage!: Stage;

  @Column({ name: 'detector', type: 'text' })
  detector!: string;

  @Column({ name: 'subject_kind', type: 'text' })
  subjectKind!: ArtifactKind;

  @Column({ name: 'subject_id', type: 'text' })
  subjectId!: string;

  @Column({ name: 'score', type: 'double precision' })
  score!: number;

  @Column({ name: 'p_value', type: 'double precision' })
  pValue!: number;

  @Column({ name: 'alpha', type: 'double precision' })
  alpha!: number;

  @Column({ name: 'evidence', type: 'jsonb' })
  evidence!: Record<string, unknown>;

  @Column({ name: 'window_from', type: 'timestamptz' })
  windowFrom!: Date;

  @Column({ name: 'window_to', type: 'timestamptz' })
  windowTo!: Date;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  @Column({ name: 'input_event_ids', type: 'jsonb' })
  inputEventIds!: string[];

  /** Ids of the items the alert pointed at (bounded); null when it named none. */
  @Column({ name: 'flagged_item_ids', type: 'jsonb', nullable: true })
  flaggedItemIds!: string[] | null;

  /** How many items were flagged in all (may exceed the ids listed). */
  @Column({ name: 'flagged_item_count', type: 'integer', nullable: true })
  flaggedItemCount!: number | null;

  @Column({ name: 'fingerprint', type: 'text' })
  fingerprint!: string;

  @Column({ name: 'status', type: 'text' })
  status!: AlertRecordStatus;

  @Column({ name: 'silence_id', type: 'uuid', nullable: true })
  silenceId!: string | null;

  @Column({ name: 'inhibited_by', type: 'text', nullable: true })
  inhibitedBy!: string | null;

  @Column({ name: 'duplicate_of', type: 'text', nullable: true })
  duplicateOf!: string | null;

  @Column({ name: 'recorded_at', type: 'timestamptz', default: () => 'now()' })
  recordedAt!: Date;
}
