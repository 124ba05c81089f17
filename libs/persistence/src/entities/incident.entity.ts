import type { Stage } from '@damon/contracts';
import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

export type IncidentRecordStatus = 'open' | 'merged' | 'resolved';

/** A verdict weight as the correlator records it in severity_terms.detectorWeights. */
export interface StoredDetectorWeight {
  detector: string;
  weight: number;
  benign: number;
  deceptive: number;
  subjects?: { kind: string; id: string }[];
}

/**
 * Alerts fused along lineage. Keeps the summary severity is computed from (minimum p per detector,
 * stages) so adding an alert needs no scan of the incident's alerts. `createdAt` is wall-clock (the
 * group_wait timer); `firstAlertAt`/`lastAlertAt` are event times (the fusion window).
 */
@Entity({ name: 'incidents' })
@Index('ix_incidents_status_announced', ['status', 'announced'])
// Read paths of the API: keyset pages per ordering and the detector filter. The GIN index is one
// TypeORM cannot describe; `synchronize: false` makes the drift check leave it to the migration.
@Index('ix_incidents_created_at_id', ['createdAt', 'id'])
@Index('ix_incidents_severity_id', ['severity', 'id'])
@Index('ix_incidents_last_alert_at_id', ['lastAlertAt', 'id'])
@Index('ix_incidents_detector_min_p', { synchronize: false })
@Check('ck_incidents_status', `"status" IN ('open', 'merged', 'resolved')`)
export class Incident {
  @PrimaryColumn({ name: 'id', type: 'text', primaryKeyConstraintName: 'pk_incidents' })
  id!: string;

  @Column({ name: 'status', type: 'text' })
  status!: IncidentRecordStatus;

  /** `opened` has been published: group_wait elapsed (or it absorbed an announced incident). */
  @Column({ name: 'announced', type: 'boolean', default: false })
  announced!: boolean;

  @Column({ name: 'severity', type: 'double precision' })
  severity!: number;

  @Column({ name: 'stages', type: 'text', array: true })
  stages!: Stage[];

  /** Detector name → smallest p-value among the incident's alerts from that detector. */
  @Column({ name: 'detector_min_p', type: 'jsonb' })
  detectorMinP!: Record<string, number>;

  /** Detector name → smallest flagged-count p-value (binomial tail against α) among its alerts. */
  @Column({ name: 'detector_min_count_p', type: 'jsonb', default: {} })
  detectorMinCountP!: Record<string, number>;

  /** Detector name → the subjects (`kind:id`) it alerted on in this incident: whose verdicts weigh it. */
  @Column({ name: 'detector_subjects', type: 'jsonb', default: {} })
  detectorSubjects!: Record<string, string[]>;

  /**
   * The terms severity is the sum of: evidence, flaggedCount, stages, persistence (numbers), and the
   * verdict weights applied (detectorWeights).
   */
  @Column({ name: 'severity_terms', type: 'jsonb', default: {} })
  severityTerms!: Record<string, number | StoredDetectorWeight[]>;

  @Column({ name: 'alert_count', type: 'integer' })
  alertCount!: number;

  @Column({ name: 'first_alert_at', type: 'timestamptz' })
  firstAlertAt!: Date;

  @Column({ name: 'last_alert_at', type: 'timestamptz' })
  lastAlertAt!: Date;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'merged_into', type: 'text', nullable: true })
  mergedInto!: string | null;

  @Column({ name: 'resolved_at', type: 'timestamptz', nullable: true })
  resolvedAt!: Date | null;

  /** Incremented by every change; published events are named after it. */
  @Column({ name: 'version', type: 'integer' })
  version!: number;
}
