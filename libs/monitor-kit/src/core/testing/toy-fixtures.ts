import { randomUUID } from 'node:crypto';
import { encodeVectors, type ActivationBatch } from '@damon/contracts';
import type { MonitorSettingsValues } from '../monitor-settings';

/** The engine tests' batches: BATCH items of one layer `l0` of width DIM. */
export const TOY_DIM = 4;
export const TOY_BATCH = 10;

/** Monitor settings of the engine tests: a reference of `referenceBatches` toy batches. */
export function toySettings(referenceBatches: number): MonitorSettingsValues {
  return {
    alpha: 0.01,
    referenceSize: referenceBatches * TOY_BATCH,
    calibrationFraction: 0.3,
    referenceMode: 'trusted',
    maxBatchItems: 4096,
    windowSize: 500,
    fusion: 'adaptive-fisher',
    averageRunLength: 100_000,
    detectors: {},
  };
}

let seed = 1;
function rand(): number {
  // Deterministic uniform in (-1, 1).
  seed = (seed * 16807) % 2147483647;
  return (seed / 2147483647) * 2 - 1;
}

/**
 * A toy ActivationBatch: values 1 ± 0.1 (deterministic sequence), `planted` an item far out in every
 * coordinate (an alert for ToyStageHandler), `dim` another width.
 */
export function toyBatch(
  subjectId: string,
  options: { trusted?: boolean; dim?: number; planted?: number; values?: Float32Array } = {},
): ActivationBatch {
  const dim = options.dim ?? TOY_DIM;
  const values = options.values ?? Float32Array.from({ length: TOY_BATCH * dim }, () => 1 + 0.1 * rand());
  if (options.planted !== undefined) for (let c = 0; c < dim; c++) values[options.planted * dim + c] = 50;
  const batchId = randomUUID();
  return {
    eventId: randomUUID(),
    schemaVersion: 1,
    occurredAt: new Date().toISOString(),
    subject: { kind: 'model', id: subjectId },
    batchId,
    trusted: options.trusted ?? false,
    items: Array.from({ length: TOY_BATCH }, (_, i) => ({ itemId: `${batchId}-${i}` })),
    layers: [{ name: 'l0', dim, vectors: encodeVectors(values, [TOY_BATCH, dim]) }],
  };
}
