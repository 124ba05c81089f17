import { randomBytes } from 'node:crypto';
import {
  DLQ_TOPIC,
  decodeVectors,
  encodeVectors,
  type DatasetBatch,
  type DeadLetter,
  type VectorDtype,
} from '@damon/contracts';
import { integrationEnv } from '@damon/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { KafkaBus } from './kafka-bus';

// kafkajs's record-batch checksum module, as patched by patches/kafkajs+2.2.4.patch.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const kafkaCrc = require('kafkajs/src/protocol/recordBatch/crc32C') as {
  (buffer: Buffer): number;
  native?: (buffer: Buffer) => number;
};

const RUN = `wire-${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const TOPIC = 'damon.telemetry.data' as const;
const DIM = 768;
const ROWS = 64;

function batch(seq: number, dtype: VectorDtype): DatasetBatch {
  const values = Float32Array.from({ length: ROWS * DIM }, (_, i) => Math.sin(i + seq) * 2);
  return {
    eventId: `${RUN}-${seq}`,
    schemaVersion: 1,
    occurredAt: new Date().toISOString(),
    subject: { kind: 'dataset', id: RUN },
    batchId: `${RUN}-b${seq}`,
    trusted: false,
    samples: Array.from({ length: ROWS }, (_, i) => ({ sampleId: `s${i}` })),
    embeddings: encodeVectors(values, [ROWS, DIM], 'embeddings', dtype),
  };
}

function binary(version: number, header: string, bytes: Buffer): Buffer {
  const h = Buffer.from(header, 'utf8');
  const prefix = Buffer.alloc(9);
  prefix.write('DMNB', 0, 'latin1');
  prefix[4] = version;
  prefix.writeUInt32LE(h.length, 5);
  return Buffer.concat([prefix, h, bytes]);
}

/** The binary wire and the native CRC-32C through the shared broker, which verifies every batch's CRC. */
describe('vector wire through real Kafka', () => {
  const bus = new KafkaBus({ brokers: integrationEnv().kafkaBrokers, clientId: RUN });
  afterAll(() => bus.close());

  it('kafkajs checksums record batches with the native CRC-32C', () => {
    expect(typeof kafkaCrc.native).toBe('function');
    expect(kafkaCrc(Buffer.from('123456789'))).toBe(0xe3069283); // the CRC-32C check value
  });

  it('delivers binary float32 / bfloat16 and old base64 JSON alike; malformed binary goes to the DLQ with its reason', async () => {
    const group = `${RUN}-group`;
    const letters: DeadLetter[] = [];
    const received: DatasetBatch[] = [];
    const dlq = await bus.subscribe({
      group: `${group}-dlq-watch`,
      topics: [DLQ_TOPIC],
      fromBeginning: false,
      handler: (m) => {
        if (m.value.consumerGroup === group) letters.push(m.value);
        return Promise.resolve();
      },
    });
    const subscription = await bus.subscribe({
      group,
      topics: [TOPIC],
      fromBeginning: false,
      handler: (m) => {
        if (m.value.subject.id === RUN) received.push(m.value);
        return Promise.resolve();
      },
    });
    await Promise.all([dlq.ready, subscription.ready]);

    const sent = [batch(0, 'float32'), batch(1, 'bfloat16'), batch(2, 'float16')];
    await bus.publishMany(TOPIC, sent);
    // A producer of the JSON form (schema version 1, base64), as before this change.
    const old = batch(3, 'float32');
    await bus.publishRaw(TOPIC, JSON.stringify(old), RUN);
    const header = JSON.stringify({
      ...batch(4, 'float32'),
      embeddings: { dtype: 'float32', shape: [ROWS, DIM], data: { offset: 0, length: ROWS * DIM * 4 } },
    });
    const malformed = [
      binary(9, header, Buffer.alloc(ROWS * DIM * 4)), // unknown version
      binary(1, header, Buffer.alloc(16)), // reference past the byte section
      binary(1, header, Buffer.alloc(0)).subarray(0, 40), // header cut short
      binary(1, '{"eventId": ', Buffer.alloc(0)), // header not JSON
    ];
    for (const value of malformed) await bus.publishRaw(TOPIC, value, RUN);
    await bus.publish(TOPIC, batch(5, 'float32'));

    const deadline = Date.now() + 60_000;
    while ((received.length < 5 || letters.length < 4) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    await subscription.stop();
    await dlq.stop();

    expect(received.map((b) => b.eventId)).toEqual([0, 1, 2, 3, 5].map((i) => `${RUN}-${i}`));
    for (const [i, b] of received.entries()) {
      const expected = i === 3 ? old : i === 4 ? batch(5, 'float32') : sent[i];
      expect(b.embeddings?.dtype).toBe(expected.embeddings!.dtype);
      expect(decodeVectors(b.embeddings!).values).toEqual(decodeVectors(expected.embeddings!).values);
    }
    expect(typeof received[3].embeddings!.data).toBe('string'); // the JSON form stays base64
    expect(received[0].embeddings!.data).toBeInstanceOf(Uint8Array);
    const reasons = letters.sort((a, b) => Number(BigInt(a.offset) - BigInt(b.offset))).map((l) => l.reason);
    expect(reasons).toEqual([
      expect.stringMatching(/binary wire version 9 is not supported/),
      expect.stringMatching(/embeddings\.data: bytes 0\.\.196608 lie outside the byte section of 16 bytes/),
      expect.stringMatching(/binary header length \d+ overruns the message of 40 bytes/),
      expect.stringMatching(/binary header is not JSON/),
    ]);
    expect(letters.every((l) => l.kind === 'invalid')).toBe(true);
  }, 90_000);
});
