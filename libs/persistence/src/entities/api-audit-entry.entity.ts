import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Audit log of API mutations that concern no incident (silences, artifacts, lineage links, baseline
 * refits); incident mutations are audited in incident_timeline. Append-only (trigger in the migration).
 */
@Entity({ name: 'api_audit_log' })
@Index('ix_api_audit_log_target', ['targetKind', 'targetId', 'seq'])
export class ApiAuditEntry {
  /** bigint: pg returns it as a string. */
  @PrimaryGeneratedColumn('increment', {
    name: 'seq',
    type: 'bigint',
    primaryKeyConstraintName: 'pk_api_audit_log',
  })
  seq!: string;

  @Column({ name: 'at', type: 'timestamptz', default: () => 'now()' })
  at!: Date;

  @Column({ name: 'actor', type: 'text' })
  actor!: string;

  /** The mutation, e.g. `createSilence`. */
  @Column({ name: 'action', type: 'text' })
  action!: string;

  @Column({ name: 'target_kind', type: 'text' })
  targetKind!: string;

  @Column({ name: 'target_id', type: 'text' })
  targetId!: string;

  @Column({ name: 'details', type: 'jsonb', default: () => `'{}'` })
  details!: Record<string, unknown>;
}
