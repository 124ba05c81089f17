import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Incident membership: which incident a correlated alert belongs to (moved when incidents merge). */
@Entity({ name: 'incident_alerts' })
@Index('ix_incident_alerts_incident', ['incidentId'])
export class IncidentAlert {
  @PrimaryColumn({ name: 'alert_id', type: 'text', primaryKeyConstraintName: 'pk_incident_alerts' })
  alertId!: string;

  @Column({ name: 'incident_id', type: 'text' })
  incidentId!: string;

  @Column({ name: 'added_at', type: 'timestamptz', default: () => 'now()' })
  addedAt!: Date;
}
