import type { ArtifactKind } from '@damon/contracts';
import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/** A node of the lineage graph (model, dataset, run, edit), known from an alert or a lineage edge. */
@Entity({ name: 'artifacts' })
@Check('ck_artifacts_kind', `"kind" IN ('model', 'dataset', 'run', 'edit')`)
export class Artifact {
  @PrimaryColumn({ name: 'kind', type: 'text', primaryKeyConstraintName: 'pk_artifacts' })
  kind!: ArtifactKind;

  @PrimaryColumn({ name: 'id', type: 'text', primaryKeyConstraintName: 'pk_artifacts' })
  id!: string;

  @Column({ name: 'first_seen_at', type: 'timestamptz', default: () => 'now()' })
  firstSeenAt!: Date;
}
