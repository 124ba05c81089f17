import { handlerSettings } from '@damon/monitor-testing';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeVectors, type ActivationBatch } from '@damon/contracts';
import { initBackend, normalGenerator } from '@damon/detectors';
import { RepresentationStageHandler } from './representation-stage.handler';

const DIM = 8;
const BATCH = 20;
const SHIFT = 6;
const settings = handlerSettings({ alpha: 0.02, referenceSize: 400 });

beforeAll(async () => {
  await initBackend(() => undefined);
});

/** Two correlated layers; a planted item is pushed SHIFT units along e0 in both (the verdict-probe e2e's model B). */
function batch(randn: () => number, planted: number, prefix: string, trusted = false): ActivationBatch {
  const layers = [0, 1].map(() => new Float32Array(BATCH * DIM));
  for (let r = 0; r < BATCH; r++)
    for (let c = 0; c < DIM; c++) {
      const shift = r < planted && c === 0 ? SHIFT : 0;
      const base = randn();
      layers[0][r * DIM + c] = base + shift;
      layers[1][r * DIM + c] = 0.8 * base + 0.6 * randn() + shift;
    }
  return {
    eventId: randomUUID(),
    schemaVersion: 1,
    occurredAt: new Date().toISOString(),
    subject: { kind: 'model', id: 'm' },
    batchId: randomUUID(),
    trusted,
    items: Array.from({ length: BATCH }, (_, i) => ({ itemId: `${prefix}-${i < planted ? 'p' : 'c'}-${i}` })),
    layers: layers.map((values, l) => ({
      name: `l${l}`,
      dim: DIM,
      vectors: encodeVectors(values, [BATCH, DIM]),
    })),
  };
}

describe('adaptive fusion when several components see a strong anomaly', () => {
  it('shares the weight among the decisive components, so every planted item of 24 batches is flagged', () => {
    const randn = normalGenerator(7);
    const handler = new RepresentationStageHandler();
    const reference = Array.from({ length: 20 }, (_, b) =>
      handler.prepare(batch(randn, 0, `ref${b}`, true), settings),
    );
    const fitted = handler.load(handler.fit(reference, settings));
    const stream: Record<string, unknown> = {};
    const missed: string[] = [];
    let shared = 0;
    for (let b = 0; b < 24; b++) {
      const out = handler.score(
        handler.prepare(batch(randn, 2, `b${b}`), settings),
        fitted,
        settings,
        stream,
      );
      const flagged = out.alerts.filter((a) => a.detector === 'fused-layers').map((a) => a.itemKey);
      for (const id of [`b${b}-p-0`, `b${b}-p-1`]) if (!flagged.includes(id)) missed.push(id);
      // The pooled evidence makes several components decisive: none of them takes all the weight.
      const weights = out.alerts[0]?.evidence.fusionWeights as { weight: number }[] | undefined;
      if (weights && weights[0].weight < 0.9) shared += 1;
    }
    handler.dispose(fitted);
    // With the uncapped GLR weight (exp(z²/2) of a z that grows with the batches) one component took
    // 0.9999 of the weight and one planted item of the 48 went unflagged.
    expect(missed).toEqual([]);
    expect(shared).toBeGreaterThan(20);
  });
});
