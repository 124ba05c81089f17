import 'reflect-metadata';
import { createDataSource, createScratchDatabase, type ScratchDatabase } from '@damon/persistence';
import { integrationEnv } from '@damon/testing';
import type { DataSource } from 'typeorm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_API_SETTINGS } from '../api-settings';
import { ApiKeyService } from './api-key.service';
import { VerifiedKeyCache } from './verified-key-cache';

/** Polls `check` until it is true; the milliseconds it took, or throws after `timeoutMs`. */
async function within(timeoutMs: number, check: () => Promise<boolean>): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    if (await check()) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`not true within ${timeoutMs} ms`);
}

describe('verified API key cache (real PostgreSQL, LISTEN/NOTIFY)', () => {
  let scratch: ScratchDatabase;
  /** The API process's pool, and a second one standing for another process (the apikey CLI). */
  let apiDb: DataSource;
  let otherDb: DataSource;
  const caches: VerifiedKeyCache[] = [];

  const apiKeys = async (ttlMs: number): Promise<ApiKeyService> => {
    const cache = new VerifiedKeyCache(apiDb, { ...DEFAULT_API_SETTINGS, apiKeyCacheMs: ttlMs });
    caches.push(cache);
    await cache.onModuleInit();
    return new ApiKeyService(apiDb, cache);
  };
  const accepted = async (keys: ApiKeyService, key: string): Promise<boolean> =>
    (await keys.authenticate(key)) !== undefined;
  /** Revokes by SQL from the other pool without notifying (the trigger off): only the TTL can tell. */
  const revokeSilently = async (id: string): Promise<void> => {
    await otherDb.transaction(async (m) => {
      await m.query('ALTER TABLE api_keys DISABLE TRIGGER tr_api_keys_notify');
      await m.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [id]);
      await m.query('ALTER TABLE api_keys ENABLE TRIGGER tr_api_keys_notify');
    });
  };

  beforeAll(async () => {
    scratch = await createScratchDatabase(integrationEnv().databaseUrl, 'api_key_cache_test');
    apiDb = await createDataSource(scratch.url, { poolSize: 4 }).initialize();
    await apiDb.runMigrations();
    otherDb = await createDataSource(scratch.url, { poolSize: 2 }).initialize();
  });

  afterEach(async () => {
    for (const cache of caches.splice(0)) await cache.onApplicationShutdown();
  });

  afterAll(async () => {
    await otherDb?.destroy();
    await apiDb?.destroy();
    await scratch?.drop();
  });

  it('reuses a verified key within the TTL and reads it again after', async () => {
    const keys = await apiKeys(1_500);
    const { key, row } = await new ApiKeyService(otherDb).create('viewer', 'vera');
    expect(await keys.authenticate(key)).toEqual({ keyId: row.id, name: 'vera', role: 'viewer' });
    await revokeSilently(row.id);
    // No notification: the row read a moment ago still stands for the key…
    expect(await accepted(keys, key)).toBe(true);
    // …for at most the TTL.
    const ms = await within(3_000, async () => !(await accepted(keys, key)));
    expect(ms).toBeLessThan(2_000);
  });

  it('still checks the secret of a cached key on every request', async () => {
    const keys = await apiKeys(60_000);
    const { key } = await new ApiKeyService(otherDb).create('viewer', 'vic');
    expect(await accepted(keys, key)).toBe(true);
    const forged = `${key.slice(0, -2)}${key.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(await accepted(keys, forged)).toBe(false);
    expect(await accepted(keys, key)).toBe(true);
  });

  it('refuses a key revoked by another process within milliseconds, long before the TTL', async () => {
    const keys = await apiKeys(60_000);
    const { key, row } = await new ApiKeyService(otherDb).create('admin', 'ann');
    expect(await accepted(keys, key)).toBe(true);
    expect(await accepted(keys, key)).toBe(true);
    // The other process has no cache (as the apikey CLI): the trigger's notification reaches this one.
    expect(await new ApiKeyService(otherDb).revoke(row.id)).toBe(true);
    const ms = await within(2_000, async () => !(await accepted(keys, key)));
    expect(ms).toBeLessThan(1_000);
  });

  it('refuses a key revoked in this process on the very next request', async () => {
    const keys = await apiKeys(60_000);
    const { key, row } = await keys.create('triager', 'tom');
    expect(await accepted(keys, key)).toBe(true);
    expect(await keys.revoke(row.id)).toBe(true);
    expect(await accepted(keys, key)).toBe(false);
  });

  it('stops reusing rows while the notification connection is down, and resumes once it is back', async () => {
    const keys = await apiKeys(60_000);
    const cache = caches.at(-1)!;
    const { key, row } = await new ApiKeyService(otherDb).create('viewer', 'lee');
    expect(await accepted(keys, key)).toBe(true);
    expect(cache.active).toBe(true);
    await otherDb.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN damon_api_keys'`,
    );
    await within(2_000, () => Promise.resolve(!cache.active));
    // A revocation it could not hear about is seen at once: every request reads the database now.
    await revokeSilently(row.id);
    expect(await accepted(keys, key)).toBe(false);
    // It listens again by itself and then reuses rows again.
    await within(5_000, () => Promise.resolve(cache.active));
    const second = await new ApiKeyService(otherDb).create('viewer', 'lee2');
    expect(await accepted(keys, second.key)).toBe(true);
    await revokeSilently(second.row.id);
    expect(await accepted(keys, second.key)).toBe(true);
  });
});
