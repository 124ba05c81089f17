import { describe, expect, it } from 'vitest';
import type { MonitorSettingsValues } from '@damon/monitor-kit';
import {
  FUSION_MEMORY_BATCHES,
  componentsSignature,
  priorEvidence,
  rememberEvidence,
} from './representation-fusion-memory';
import { RepresentationStageHandler } from './representation-stage.handler';

const evidence = (value: number) => ({ logSum: [value, 2 * value], items: 10 });

describe('fusion evidence pooled in the subject’s stream state', () => {
  const signature = componentsSignature([{ key: 'gaussian:h.0' }, { key: 'gaussian:h.1' }]);

  it('pools the last FUSION_MEMORY_BATCHES − 1 batches, and survives the JSON round trip of stream_state', () => {
    let stream: Record<string, unknown> = {};
    expect(priorEvidence(stream, signature)).toBeUndefined();
    for (let b = 1; b <= 20; b++) {
      rememberEvidence(stream, signature, evidence(b));
      stream = JSON.parse(JSON.stringify(stream)) as Record<string, unknown>;
    }
    const kept = FUSION_MEMORY_BATCHES - 1;
    // Batches 6..20 remain: Σ b for b in 6..20.
    const sum = Array.from({ length: kept }, (_, i) => 20 - i).reduce((a, b) => a + b, 0);
    expect(priorEvidence(stream, signature)).toEqual({
      evidence: { logSum: [sum, 2 * sum], items: 10 * kept },
      batches: kept,
    });
  });

  it('starts over when the fitted components change (a refit with other layers or detectors)', () => {
    const stream: Record<string, unknown> = {};
    rememberEvidence(stream, signature, evidence(1));
    const other = componentsSignature([{ key: 'gaussian:h.0' }, { key: 'knn:h.0' }]);
    expect(priorEvidence(stream, other)).toBeUndefined();
    rememberEvidence(stream, other, evidence(3));
    expect(priorEvidence(stream, other)?.batches).toBe(1);
    expect(priorEvidence(stream, signature)).toBeUndefined();
  });

  it('makes unframed batches sequential under adaptive fusion only (they read and write the pool), in two steps', () => {
    const handler = new RepresentationStageHandler();
    const event = { framing: undefined } as never;
    const framed = { framing: { pairId: 'p', variant: 'observed' } } as never;
    const settings = (fusion: MonitorSettingsValues['fusion']) => ({ fusion }) as MonitorSettingsValues;
    expect(handler.independent(event, settings('adaptive-fisher'))).toBe(false);
    expect(handler.independent(event, settings('adaptive-cauchy'))).toBe(false);
    expect(handler.independent(event, settings('cauchy'))).toBe(true);
    expect(handler.independent(framed, settings('fisher'))).toBe(false);
    // Their arithmetic still splits: parts apart (in parallel), the pooled fusion in order.
    expect(handler.partial(event, settings('adaptive-fisher'))).toBe(true);
    expect(handler.partial(event, settings('cauchy'))).toBe(false);
    expect(handler.partial(framed, settings('adaptive-fisher'))).toBe(false);
  });
});
