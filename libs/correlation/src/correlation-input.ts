import type { LineageEdge, StageAlert } from '@damon/contracts';

/** One validated message the correlator consumes. */
export type CorrelationInput =
  { topic: 'damon.alerts'; value: StageAlert } | { topic: 'damon.lineage'; value: LineageEdge };

export const CORRELATION_TOPICS = ['damon.alerts', 'damon.lineage'] as const;
