import type { ArtifactKind } from '@damon/contracts';
import { Entity, Index, PrimaryColumn } from 'typeorm';

/** The artifacts an incident's alerts concern: fusion looks incidents up by subject. */
@Entity({ name: 'incident_subjects' })
@Index('ix_incident_subjects_subject', ['subjectKind', 'subjectId'])
export class IncidentSubject {
  @PrimaryColumn({ name: 'incident_id', type: 'text', primaryKeyConstraintName: 'pk_incident_subjects' })
  incidentId!: string;

  @PrimaryColumn({ name: 'subject_kind', type: 'text', primaryKeyConstraintName: 'pk_incident_subjects' })
  subjectKind!: ArtifactKind;

  @PrimaryColumn({ name: 'subject_id', type: 'text', primaryKeyConstraintName: 'pk_incident_subjects' })
  subjectId!: string;
}
