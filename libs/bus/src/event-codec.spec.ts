import { LIMITS } from '@damon/contracts';
import { describe, expect, it } from 'vitest';
import type { DeadLetter, LineageEdge } from '@damon/contracts';
import { backoffMs, DeliveryPipeline, SILENT_LOGGER } from './delivery-pipeline';
import { buildDeadLetter, decodeEvent, type RawRecord } from './event-codec';

const record = (value: Buffer): RawRecord => ({
  topic: 'damon.lineage',
  partition: 2,
  offset: '41',
  key: 'k',
  value,
});

describe('decodeEvent', () => {
  it('names the failing layer: empty, JSON, or schema', () => {
    expect(decodeEvent('damon.lineage', Buffer.alloc(0))).toEqual({
      ok: false,
      reason: 'empty message (no value)',
    });
    const notJson = decodeEvent('damon.lineage', Buffer.from('{oops'));
    expect(notJson.ok === false && notJson.reason).toMatch(/^not JSON: /);
    const badSchema = decodeEvent('damon.lineage', Buffer.from('{"eventId":""}'));
    expect(badSchema.ok === false && badSchema.reason).toMatch(/^schema: .*eventId/);
  });
});

const edge: LineageEdge = {
  eventId: 'e-1',
  schemaVersion: 1,
  occurredAt: '2025-01-01T00:00:00.000Z',
  subject: { kind: 'dataset', id: 'd' },
  from: { kind: 'model', id: 'm' },
  to: { kind: 'dataset', id: 'd' },
  relation: 'generated',
};
/** Valid JSON of a valid event, padded with whitespace past the message limit. */
const oversized = Buffer.concat([
  Buffer.from(JSON.stringify(edge)),
  Buffer.alloc(LIMITS.maxMessageBytes, 0x20),
]);

describe('decodeEvent: size', () => {
  it('refuses a valid event over LIMITS.maxMessageBytes, and accepts it at the limit', () => {
    const result = decodeEvent('damon.lineage', oversized);
    expect(result).toEqual({
      ok: false,
      reason: `message too large: ${oversized.length} bytes, over the limit of 16777216 bytes (LIMITS.maxMessageBytes)`,
    });
    const atLimit = oversized.subarray(0, LIMITS.maxMessageBytes);
    expect(decodeEvent('damon.lineage', atLimit)).toMatchObject({ ok: true, value: edge });
  });

  it('dead-letters it through the pipeline, never reaching the handler, and moves on', async () => {
    const letters: DeadLetter[] = [];
    const handled: string[] = [];
    const committed: string[] = [];
    const pipeline = new DeliveryPipeline(
      {
        group: 'g',
        topics: ['damon.lineage'],
        handler: (m) => Promise.resolve(void handled.push(m.value.eventId)),
      },
      {
        logger: SILENT_LOGGER,
        deadLetter: (letter) => Promise.resolve(void letters.push(letter)),
        signal: new AbortController().signal,
      },
    );
    const next = { ...record(Buffer.from(JSON.stringify({ ...edge, eventId: 'e-2' }))), offset: '42' };
    const finished = await pipeline.process([record(oversized), next], {
      commit: (r) => Promise.resolve(void committed.push(r.offset)),
      mustYield: () => false,
    });
    expect(finished).toBe(2);
    expect(handled).toEqual(['e-2']);
    expect(committed).toEqual(['41', '42']);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ kind: 'invalid', offset: '41', consumerGroup: 'g' });
    expect(letters[0].reason).toMatch(/^message too large: 16777\d+ bytes, over the limit/);
    expect(letters[0].reason).toContain('original cut to');
  });
});

describe('buildDeadLetter', () => {
  it('keeps the original bytes and where they came from', () => {
    const letter = buildDeadLetter(record(Buffer.from([0, 255, 7])), 'g', 'invalid', 'why', 0);
    expect(letter).toMatchObject({
      sourceTopic: 'damon.lineage',
      partition: 2,
      offset: '41',
      key: 'k',
      consumerGroup: 'g',
      kind: 'invalid',
      reason: 'why',
    });
    expect([...Buffer.from(letter.originalBase64, 'base64')]).toEqual([0, 255, 7]);
  });

  it('cuts an original too large to fit a dead letter under the message limit, and says so', () => {
    const letter = buildDeadLetter(record(Buffer.alloc(LIMITS.maxMessageBytes, 1)), 'g', 'failed', 'boom', 5);
    expect(Buffer.byteLength(JSON.stringify(letter))).toBeLessThan(LIMITS.maxMessageBytes);
    expect(letter.reason).toMatch(/^boom \(original cut to \d+ of 16777216 bytes\)$/);
  });
});

describe('backoffMs', () => {
  it('doubles from the initial delay and stops at the cap', () => {
    const policy = { attempts: 6, initialBackoffMs: 100, maxBackoffMs: 500 };
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(policy, n))).toEqual([100, 200, 400, 500, 500]);
  });
});
