/** Limits and switches of the GraphQL API; the app derives them from its validated config. */
export interface ApiSettings {
  /** NODE_ENV=development: stack traces and internal error messages in responses, introspection on. */
  development: boolean;
  /** Origins allowed by CORS; empty: no cross-origin access. */
  corsOrigins: string[];
  /** Deepest selection nesting accepted (introspection fields excluded). */
  maxDepth: number;
  /** Highest estimated cost accepted (see complexity-limit.rule.ts). */
  maxComplexity: number;
  /** Largest `first` on any connection or list. */
  maxPageSize: number;
  /** How long an incident `totalCount` is reused for the same filter (0: counted every time; default 1000). */
  countCacheMs?: number;
  /**
   * How long a verified API key's row is reused before it is read again (0: read on every request;
   * default 1000). A revocation is seen sooner: its notification drops the entry (auth/verified-key-cache.ts).
   */
  apiKeyCacheMs?: number;
}

export const DEFAULT_API_SETTINGS: ApiSettings = {
  development: false,
  corsOrigins: [],
  maxDepth: 10,
  maxComplexity: 5_000,
  maxPageSize: 100,
  countCacheMs: 1_000,
  apiKeyCacheMs: 1_000,
};
