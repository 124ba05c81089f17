import { ApiKeyService } from '@damon/api';
import type { DataSource } from 'typeorm';

/** The admin key created on the first start (shown once), or how many active ones already exist. */
export async function ensureAdminKey(
  dataSource: DataSource,
): Promise<{ created: string; id: string } | { existing: number }> {
  const keys = new ApiKeyService(dataSource);
  const admins = (await keys.list()).filter((k) => k.role === 'admin' && !k.revokedAt);
  if (admins.length > 0) return { existing: admins.length };
  const { key, row } = await keys.create('admin', 'all-in-one admin');
  return { created: key, id: row.id };
}
