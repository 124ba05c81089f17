import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

export type ApiRole = 'viewer' | 'triager' | 'admin';

/**
 * A GraphQL API key. Only a hash of the secret is stored: the key (`dmn_<id>_<secret>`) is shown
 * once, at creation. `id` is the public part, used to find the row and to name the key in audits.
 */
@Entity({ name: 'api_keys' })
@Check('ck_api_keys_role', `"role" IN ('viewer', 'triager', 'admin')`)
export class ApiKey {
  @PrimaryColumn({ name: 'id', type: 'text', primaryKeyConstraintName: 'pk_api_keys' })
  id!: string;

  /** Who or what holds the key; becomes the actor of audit entries. */
  @Column({ name: 'name', type: 'text' })
  name!: string;

  @Column({ name: 'role', type: 'text' })
  role!: ApiRole;

  /** sha256 (hex) of the secret part: the secret is high-entropy, so no slow hash is needed. */
  @Column({ name: 'secret_hash', type: 'text' })
  secretHash!: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;
}
