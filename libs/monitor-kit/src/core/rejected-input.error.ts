/** Why a monitor refuses an event that passed the schema: the metric label of the DLQ counter. */
export type RejectionKind = 'dimension' | 'unknown_layer' | 'non_finite' | 'oversized' | 'inconsistent';

/**
 * A semantic rejection (wrong dimension for a fitted subject, unknown layer, NaN/Inf, oversized
 * batch): never retried, the event goes to `damon.dlq` with a reason that names the field.
 */
export class RejectedInputError extends Error {
  override readonly name = 'RejectedInputError';
  constructor(
    readonly kind: RejectionKind,
    readonly field: string,
    detail: string,
  ) {
    super(`${field}: ${detail}`);
  }
}

/** Rejects a batch of more than `limit` (MONITOR_MAX_BATCH_ITEMS) items as `oversized`. */
export function assertBatchSize(count: number, limit: number, field: string, noun: string): void {
  if (count > limit) {
    throw new RejectedInputError(
      'oversized',
      field,
      `${count} ${noun} exceed the limit of ${limit} (MONITOR_MAX_BATCH_ITEMS)`,
    );
  }
}
