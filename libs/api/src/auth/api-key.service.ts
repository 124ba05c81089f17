import { Inject, Injectable, Optional } from '@nestjs/common';
import { ApiKey, type ApiRole } from '@damon/persistence';
import { DataSource, IsNull } from 'typeorm';
import { API_DATA_SOURCE } from '../tokens';
import { generateApiKey, parseApiKey, secretMatches } from './api-key-format';
import type { Principal } from './principal';
import { VerifiedKeyCache, type ActiveKey } from './verified-key-cache';

export interface CreatedApiKey {
  /** The full key: shown once, never stored. */
  key: string;
  row: ApiKey;
}

/** API keys: creation (the secret is returned once), listing, revocation, and request authentication. */
@Injectable()
export class ApiKeyService {
  /** `cache` (provided in the API module): active rows reused briefly; without it every request reads. */
  constructor(
    @Inject(API_DATA_SOURCE) private readonly dataSource: DataSource,
    @Optional() private readonly cache?: VerifiedKeyCache,
  ) {}

  async create(role: ApiRole, name: string): Promise<CreatedApiKey> {
    const { key, id, secretHash } = generateApiKey();
    const row = this.dataSource.getRepository(ApiKey).create({ id, name, role, secretHash, revokedAt: null });
    await this.dataSource.getRepository(ApiKey).insert(row);
    return { key, row: await this.dataSource.getRepository(ApiKey).findOneByOrFail({ id }) };
  }

  list(): Promise<ApiKey[]> {
    return this.dataSource.getRepository(ApiKey).find({ order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** True when the key existed and was active. */
  async revoke(id: string): Promise<boolean> {
    const result = await this.dataSource
      .getRepository(ApiKey)
      .update({ id, revokedAt: IsNull() }, { revokedAt: new Date() });
    // The trigger's notification tells every API process; this one forgets the key at once.
    this.cache?.invalidate(id);
    return (result.affected ?? 0) > 0;
  }

  /** The principal a presented key stands for, or undefined when it is malformed, unknown or revoked. */
  async authenticate(presented: string | undefined): Promise<Principal | undefined> {
    if (!presented) return undefined;
    const parsed = parseApiKey(presented);
    if (!parsed) return undefined;
    const active = this.cache
      ? await this.cache.get(parsed.id, () => this.activeKey(parsed.id))
      : await this.activeKey(parsed.id);
    if (!active || !secretMatches(parsed.secret, active.secretHash)) return undefined;
    return active.principal;
  }

  private async activeKey(id: string): Promise<ActiveKey | undefined> {
    const row = await this.dataSource.getRepository(ApiKey).findOneBy({ id, revokedAt: IsNull() });
    return row
      ? { secretHash: row.secretHash, principal: { keyId: row.id, name: row.name, role: row.role } }
      : undefined;
  }
}
