import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

export type TriageVerdict = 'deceptive' | 'benign' | 'inconclusive';

/**
 * People's current decisions about an incident (the API's state; the correlator's row in `incidents`
 * stays the correlator's). Every change is also an entry, with its actor, in incident_timeline.
 * Verdicts are the labels detector precision is computed from (view `detector_precision`).
 */
@Entity({ name: 'incident_triage' })
@Index('ix_incident_triage_verdict', ['verdict', 'incidentId'])
@Check('ck_incident_triage_verdict', `"verdict" IN ('deceptive', 'benign', 'inconclusive')`)
export class IncidentTriage {
  @PrimaryColumn({ name: 'incident_id', type: 'text', primaryKeyConstraintName: 'pk_incident_triage' })
  incidentId!: string;

  @Column({ name: 'assignee', type: 'text', nullable: true })
  assignee!: string | null;

  @Column({ name: 'acknowledged_at', type: 'timestamptz', nullable: true })
  acknowledgedAt!: Date | null;

  @Column({ name: 'acknowledged_by', type: 'text', nullable: true })
  acknowledgedBy!: string | null;

  @Column({ name: 'verdict', type: 'text', nullable: true })
  verdict!: TriageVerdict | null;

  @Column({ name: 'verdict_note', type: 'text', nullable: true })
  verdictNote!: string | null;

  @Column({ name: 'verdict_by', type: 'text', nullable: true })
  verdictBy!: string | null;

  @Column({ name: 'verdict_at', type: 'timestamptz', nullable: true })
  verdictAt!: Date | null;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
