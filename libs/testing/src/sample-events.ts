import { randomUUID } from 'node:crypto';
import {
  encodeVectors,
  type ActivationBatch,
  type ArtifactRef,
  type DatasetBatch,
  type LineageEdge,
  type StageAlert,
  type TrainingSignal,
} from '@damon/contracts';

/** Builders of valid events for tests; override any field. */
const envelope = () => ({
  eventId: randomUUID(),
  schemaVersion: 1 as const,
  occurredAt: new Date().toISOString(),
});

export function sampleActivationBatch(
  overrides: Partial<ActivationBatch> = {},
  rows = 2,
  dims: Record<string, number> = { l0: 4 },
): ActivationBatch {
  return {
    ...envelope(),
    subject: { kind: 'model', id: 'model-a' },
    batchId: randomUUID(),
    trusted: true,
    items: Array.from({ length: rows }, (_, i) => ({ itemId: `item-${i}` })),
    layers: Object.entries(dims).map(([name, dim]) => ({
      name,
      dim,
      vectors: encodeVectors(
        Float32Array.from({ length: rows * dim }, (_, i) => Math.sin(i)),
        [rows, dim],
      ),
    })),
    ...overrides,
  };
}

export function sampleDatasetBatch(overrides: Partial<DatasetBatch> = {}, rows = 3, dim = 4): DatasetBatch {
  return {
    ...envelope(),
    subject: { kind: 'dataset', id: 'dataset-a' },
    batchId: randomUUID(),
    trusted: false,
    generator: { kind: 'model', id: 'generator-a' },
    samples: Array.from({ length: rows }, (_, i) => ({
      sampleId: `s-${i}`,
      slice: i % 2 ? 'odd' : 'even',
      accepted: true,
    })),
    embeddings: encodeVectors(
      Float32Array.from({ length: rows * dim }, (_, i) => Math.cos(i)),
      [rows, dim],
    ),
    ...overrides,
  };
}

export function sampleRewardSignal(step: number, value: number, runId = 'run-a'): TrainingSignal {
  return { ...envelope(), subject: { kind: 'run', id: runId }, step, kind: 'reward', value };
}

export function sampleLineageEdge(
  from: ArtifactRef,
  relation: LineageEdge['relation'],
  to: ArtifactRef,
): LineageEdge {
  return { ...envelope(), subject: to, from, to, relation };
}

export function sampleStageAlert(overrides: Partial<StageAlert> = {}): StageAlert {
  const alertId = overrides.alertId ?? randomUUID();
  const now = new Date();
  return {
    ...envelope(),
    eventId: alertId,
    alertId,
    subject: { kind: 'model', id: 'model-a' },
    stage: 'representations',
    detector: 'gaussian',
    score: 12.5,
    pValue: 0.0004,
    alpha: 0.01,
    evidence: { topLayers: ['l0'] },
    window: { from: new Date(now.getTime() - 60_000).toISOString(), to: now.toISOString() },
    inputEventIds: [randomUUID()],
    ...overrides,
  };
}
