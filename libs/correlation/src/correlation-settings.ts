/** How alerts are fused and announced. */
export interface CorrelationSettings {
  /** Alerts fuse when their subjects are at most this many lineage edges apart (undirected). */
  hops: number;
  /** …and their event times lie within this window of the incident's alerts. */
  windowMs: number;
  /** An incident is announced (`opened`) this long after it was opened, so evidence can gather. */
  groupWaitMs: number;
  /** Consumer group of the correlator (idempotency records are per group). */
  group: string;
}

export const DEFAULT_CORRELATION_SETTINGS: CorrelationSettings = {
  hops: 3,
  windowMs: 60 * 60_000,
  groupWaitMs: 30_000,
  group: 'correlator',
};

/** Nest injection token for CorrelationSettings. */
export const CORRELATION_SETTINGS = Symbol('damon.correlation.settings');
