import { LIMITS } from '@damon/contracts';
import { describe, expect, it } from 'vitest';
import { backoffMs } from './delivery-pipeline';
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
