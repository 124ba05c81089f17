import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ActivationBatch } from './activation-batch.event';
import { EVENTS, TOPICS, partitionKeyOf, validateEvent } from './topics';
import { encodeVectors } from './vector';

const envelope = () => ({
  eventId: randomUUID(),
  schemaVersion: 1 as const,
  occurredAt: '2026-11-23T12:00:00.000Z',
});

function activationBatch(rows = 3, dim = 4): ActivationBatch {
  return {
    ...envelope(),
    subject: { kind: 'model', id: 'model-7' },
    batchId: 'b-1',
    trusted: true,
    items: Array.from({ length: rows }, (_, i) => ({ itemId: `i${i}` })),
    layers: [
      { name: 'l12', dim, vectors: encodeVectors(new Float32Array(rows * dim).fill(0.5), [rows, dim]) },
    ],
  };
}

describe('event contracts', () => {
  it('keeps topic names frozen', () => {
    // A rename is a breaking change: it must be a new topic, deliberately, and this list changes with it.
    expect(TOPICS).toEqual({
      DatasetBatch: 'damon.telemetry.data',
      TrainingSignal: 'damon.telemetry.training',
      ActivationBatch: 'damon.telemetry.repr',
      LineageEdge: 'damon.lineage',
      StageAlert: 'damon.alerts',
      IncidentEvent: 'damon.incidents',
      ScoreBatch: 'damon.scores',
      BaselineCommand: 'damon.commands',
      DeadLetter: 'damon.dlq',
    });
    expect(new Set(EVENTS.map((e) => e.topic)).size).toBe(EVENTS.length);
  });

  it('accepts a valid activation batch and keys it by subject id', () => {
    const batch = activationBatch();
    const result = validateEvent('damon.telemetry.repr', batch);
    expect(result.ok).toBe(true);
    expect(partitionKeyOf('damon.telemetry.repr', batch)).toBe('model-7');
  });

  it('names the field when a layer has the wrong dimension', () => {
    const batch = activationBatch(3, 4);
    batch.layers[0].dim = 5;
    const result = validateEvent('damon.telemetry.repr', batch);
    expect(result).toEqual({
      ok: false,
      reason: 'layers.0.vectors.shape: must be [3, 5] (items × dim), got [3, 4]',
    });
  });

  it('rejects a wrong envelope: unknown schema version, bad time, empty id', () => {
    const result = validateEvent('damon.telemetry.repr', {
      ...activationBatch(),
      schemaVersion: 2,
      occurredAt: 'yesterday',
      eventId: '',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toContain('eventId:');
    expect(result.reason).toContain('schemaVersion:');
    expect(result.reason).toContain('occurredAt:');
  });

  it('rejects an oversized batch', () => {
    const batch = activationBatch(1, 1);
    batch.items = Array.from({ length: 5000 }, (_, i) => ({ itemId: `i${i}` }));
    const result = validateEvent('damon.telemetry.repr', batch);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(/^items: Too big/);
  });

  it('KL signals may carry a positive budget; those written before it (no budget) stay valid', () => {
    const kl = { ...envelope(), subject: { kind: 'run' as const, id: 'run-1' }, step: 3, kind: 'kl' };
    expect(validateEvent('damon.telemetry.training', { ...kl, value: 2.5 }).ok).toBe(true);
    expect(validateEvent('damon.telemetry.training', { ...kl, value: 2.5, budget: 6 })).toMatchObject({
      ok: true,
      value: { budget: 6 },
    });
    expect(validateEvent('damon.telemetry.training', { ...kl, value: 2.5, budget: 0 }).ok).toBe(false);
    expect(validateEvent('damon.telemetry.training', { ...kl, value: 2.5, budget: -1 }).ok).toBe(false);
  });

  it('discriminates training signals by kind and checks each kind’s fields', () => {
    const base = { ...envelope(), subject: { kind: 'run' as const, id: 'run-1' }, step: 3 };
    expect(
      validateEvent('damon.telemetry.training', { ...base, kind: 'reward', value: 0.7, referenceValue: 0.65 })
        .ok,
    ).toBe(true);
    expect(
      validateEvent('damon.telemetry.training', { ...base, kind: 'preference', pairId: 'p', preferred: 'a' })
        .ok,
    ).toBe(true);
    const edit = { ...base, kind: 'param_edit', target: { kind: 'model', id: 'm' }, layer: 'mlp.3' };
    const noDelta = validateEvent('damon.telemetry.training', edit);
    expect(noDelta).toEqual({ ok: false, reason: 'factors: exactly one of factors or dense is required' });
    const factors = {
      a: encodeVectors(new Float32Array(8), [4, 2]),
      b: encodeVectors(new Float32Array(6), [3, 2]),
    };
    expect(validateEvent('damon.telemetry.training', { ...edit, factors }).ok).toBe(true);
    const unknownKind = validateEvent('damon.telemetry.training', { ...base, kind: 'vibes', value: 1 });
    expect(unknownKind.ok).toBe(false);
    const nan = validateEvent('damon.telemetry.training', { ...base, kind: 'loss', value: Number.NaN });
    expect(nan.ok).toBe(false);
  });

  it('refuses non-finite scores and p-values, naming the field', () => {
    const scores = (item: { score: number; pValue: number }) =>
      validateEvent('damon.scores', {
        ...envelope(),
        subject: { kind: 'model', id: 'm' },
        detector: 'knn',
        items: [{ itemId: 'i', ...item }],
      });
    expect(scores({ score: 1, pValue: 0.5 }).ok).toBe(true);
    for (const [item, path] of [
      [{ score: Number.POSITIVE_INFINITY, pValue: 0.5 }, 'items.0.score'],
      [{ score: Number.NEGATIVE_INFINITY, pValue: 0.5 }, 'items.0.score'],
      [{ score: 1, pValue: Number.NaN }, 'items.0.pValue'],
      [{ score: 1, pValue: 1.5 }, 'items.0.pValue'],
    ] as const) {
      const result = scores(item);
      expect(result.ok).toBe(false);
      expect(result.ok ? '' : result.reason).toContain(`${path}: `);
    }
  });

  it('rejects a self-loop lineage edge and an alert whose window ends before it starts', () => {
    const model = { kind: 'model' as const, id: 'm' };
    const loop = validateEvent('damon.lineage', {
      ...envelope(),
      subject: model,
      from: model,
      to: model,
      relation: 'edited',
    });
    expect(loop).toEqual({ ok: false, reason: 'to: an artifact cannot be linked to itself' });
    const alert = {
      ...envelope(),
      alertId: 'a1',
      subject: model,
      stage: 'representations',
      detector: 'gaussian',
      score: 3,
      pValue: 0.001,
      alpha: 0.01,
      evidence: {},
      window: { from: '2026-11-23T12:00:00Z', to: '2026-11-23T11:00:00Z' },
      inputEventIds: ['e1'],
    };
    expect(validateEvent('damon.alerts', alert)).toEqual({
      ok: false,
      reason: 'window.to: must not be before window.from',
    });
    expect(
      validateEvent('damon.alerts', { ...alert, window: { from: alert.window.to, to: alert.window.from } })
        .ok,
    ).toBe(true);
  });

  it('keys dataset batches by dataset and checks embeddings have one row per sample', () => {
    const batch = {
      ...envelope(),
      subject: { kind: 'dataset' as const, id: 'ds-1' },
      batchId: 'b',
      trusted: false,
      samples: [{ sampleId: 's1' }, { sampleId: 's2' }],
      embeddings: encodeVectors(new Float32Array(12), [3, 4]),
    };
    const result = validateEvent('damon.telemetry.data', batch);
    expect(result).toEqual({
      ok: false,
      reason: 'embeddings.shape: must be [2, dim ≤ 16384] (one row per sample), got [3, 4]',
    });
  });
});
