import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Client, type ClientConfig } from 'pg';
import type { DataSource } from 'typeorm';
import type { ApiSettings } from '../api-settings';
import { API_DATA_SOURCE, API_SETTINGS } from '../tokens';
import type { Principal } from './principal';

/** The channel the api_keys trigger notifies (migration ApiKeyChangeNotify) with the key's id. */
export const API_KEY_CHANNEL = 'damon_api_keys';

/** An active key as read from the database: what verifying a presented secret needs. */
export interface ActiveKey {
  secretHash: string;
  principal: Principal;
}

const DEFAULT_TTL_MS = 1_000;
const MAX_ENTRIES = 10_000;
const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 30_000;

/**
 * Active API keys read recently, so a request does not need a query of its own to authenticate
 * (one per key per `apiKeyCacheMs` instead). The secret is still checked against the stored hash on
 * every request; only the row is reused. Revocation stays prompt across processes: a trigger on
 * api_keys notifies `damon_api_keys` on commit and the entry is dropped when the notification
 * arrives (milliseconds); the TTL bounds the staleness should a notification be missed. Entries are
 * only kept while the LISTEN connection is up: when it drops, the cache is emptied and every
 * request reads the database until it is listening again.
 *
 * A lookup that was in flight when a key changed does not store its (possibly stale) row: each
 * invalidation bumps a generation, and a row is stored only if the generation is unchanged.
 */
@Injectable()
export class VerifiedKeyCache implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(VerifiedKeyCache.name);
  private readonly ttlMs: number;
  private readonly entries = new Map<string, { at: number; key: ActiveKey }>();
  private readonly inFlight = new Map<string, Promise<ActiveKey | undefined>>();
  private generation = 0;
  private listener: Client | undefined;
  private listening = false;
  private closed = false;
  private reconnectMs = RECONNECT_MIN_MS;
  private reconnectTimer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(API_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(API_SETTINGS) settings: ApiSettings,
  ) {
    this.ttlMs = settings.apiKeyCacheMs ?? DEFAULT_TTL_MS;
  }

  /** Whether rows are being reused now (listening, and a TTL above 0). */
  get active(): boolean {
    return this.listening && this.ttlMs > 0;
  }

  async onModuleInit(): Promise<void> {
    if (this.ttlMs > 0) await this.listen();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.stopCaching();
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
  }

  /** The active key `id` from the cache when fresh, else from `load` (concurrent misses share one load). */
  get(
    id: string,
    load: () => Promise<ActiveKey | undefined>,
    now = Date.now(),
  ): Promise<ActiveKey | undefined> {
    if (!this.active) return load();
    const hit = this.entries.get(id);
    if (hit && now - hit.at < this.ttlMs) return Promise.resolve(hit.key);
    const pending = this.inFlight.get(id);
    if (pending) return pending;
    const generation = this.generation;
    const loading = load().then(
      (key) => {
        this.inFlight.delete(id);
        if (key && this.active && generation === this.generation) {
          this.entries.delete(id);
          this.entries.set(id, { at: now, key });
          if (this.entries.size > MAX_ENTRIES)
            this.entries.delete(this.entries.keys().next().value as string);
        }
        return key;
      },
      (error: unknown) => {
        this.inFlight.delete(id);
        throw error;
      },
    );
    this.inFlight.set(id, loading);
    return loading;
  }

  /** Forgets `id` (this process revoked it; the notification will follow for the others). */
  invalidate(id: string): void {
    this.generation += 1;
    this.entries.delete(id);
    this.inFlight.delete(id);
  }

  private stopCaching(): void {
    this.listening = false;
    this.generation += 1;
    this.entries.clear();
    this.inFlight.clear();
  }

  private async listen(): Promise<void> {
    const client = new Client(listenerConfig(this.dataSource));
    const lost = (error?: Error): void => {
      if (this.listener !== client) return;
      this.listener = undefined;
      this.stopCaching();
      if (this.closed) return;
      this.logger.warn(
        `API key change notifications lost (${error?.message ?? 'connection ended'}): keys are read on every request until listening again`,
      );
      this.scheduleReconnect();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (message) => {
      if (message.channel === API_KEY_CHANNEL && message.payload) this.invalidate(message.payload);
    });
    this.listener = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${API_KEY_CHANNEL}`);
      if (this.listener !== client || this.closed) return;
      this.listening = true;
      this.reconnectMs = RECONNECT_MIN_MS;
    } catch (error) {
      void client.end().catch(() => undefined);
      lost(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private scheduleReconnect(): void {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => void this.listen(), this.reconnectMs);
    this.reconnectTimer.unref();
    this.reconnectMs = Math.min(this.reconnectMs * 2, RECONNECT_MAX_MS);
  }
}

/** The DataSource's own connection settings (its pool's), for one extra connection outside the pool. */
function listenerConfig(dataSource: DataSource): ClientConfig {
  const pool = (dataSource.driver as unknown as { master?: { options?: ClientConfig } }).master;
  if (!pool?.options) throw new Error('the API needs a PostgreSQL DataSource (no pool options found)');
  return { ...pool.options };
}
