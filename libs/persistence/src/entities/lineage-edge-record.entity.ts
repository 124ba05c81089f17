import type { ArtifactKind, LineageRelation } from '@damon/contracts';
import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * An edge of the lineage graph: `from` *relation* `to`. The primary key makes a re-sent edge a no-op;
 * the correlator walks edges in both directions, hence the index on the `to` end.
 */
@Entity({ name: 'lineage_edges' })
@Index('ix_lineage_edges_to', ['toKind', 'toId'])
@Check(
  'ck_lineage_edges_relation',
  `"relation" IN ('generated', 'trained', 'rewarded', 'produced', 'edited')`,
)
export class LineageEdgeRecord {
  @PrimaryColumn({ name: 'from_kind', type: 'text', primaryKeyConstraintName: 'pk_lineage_edges' })
  fromKind!: ArtifactKind;

  @PrimaryColumn({ name: 'from_id', type: 'text', primaryKeyConstraintName: 'pk_lineage_edges' })
  fromId!: string;

  @PrimaryColumn({ name: 'to_kind', type: 'text', primaryKeyConstraintName: 'pk_lineage_edges' })
  toKind!: ArtifactKind;

  @PrimaryColumn({ name: 'to_id', type: 'text', primaryKeyConstraintName: 'pk_lineage_edges' })
  toId!: string;

  @PrimaryColumn({ name: 'relation', type: 'text', primaryKeyConstraintName: 'pk_lineage_edges' })
  relation!: LineageRelation;

  /** The LineageEdge event that first reported it. */
  @Column({ name: 'event_id', type: 'text' })
  eventId!: string;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  @Column({ name: 'recorded_at', type: 'timestamptz', default: () => 'now()' })
  recordedAt!: Date;
}
