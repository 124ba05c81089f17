/**
 * Wire cost through the real broker, for a CPU profile: produces BENCH_BATCHES ActivationBatches of
 * 256 × d=768 to a fresh topic with kafkajs, consumes them back and decodes each the way a monitor
 * does (size check, parse, schema, vectors). WIRE_DTYPE picks the vector dtype.
 *   KAFKA_BROKERS=… node --cpu-prof --cpu-prof-dir=/tmp/prof -r ts-node/register/transpile-only \
 *     -r tsconfig-paths/register bench/wire/wire-profile.ts
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { z } from 'zod';
import { integerVar, loadConfig } from '@damon/config';
import { decodeEvent, encodeEvent } from '../../libs/bus/src/event-codec';
import { decodeVectors, encodeVectors, type ActivationBatch } from '@damon/contracts';

const DIM = 768;
const ITEMS = 256;
const CONFIG = loadConfig(
  z.object({
    BENCH_BATCHES: integerVar({ min: 1, max: 1000, default: 40 }),
    KAFKA_BROKERS: z.string().default('127.0.0.1:9092'),
  }),
);
const BATCHES = CONFIG.BENCH_BATCHES;
const DTYPE = 'float32';
const TOPIC = 'damon.telemetry.repr' as const;

function batch(values: Float32Array): ActivationBatch {
  const batchId = randomUUID();
  return {
    eventId: randomUUID(),
    schemaVersion: 1,
    occurredAt: new Date().toISOString(),
    subject: { kind: 'model', id: 'wire-profile' },
    batchId,
    trusted: false,
    items: Array.from({ length: ITEMS }, (_, i) => ({ itemId: `${batchId}-${i}` })),
    layers: [{ name: 'l0', dim: DIM, vectors: encodeVectors(values, [ITEMS, DIM]) }],
  };
}

async function main(): Promise<void> {
  const kafka = new Kafka({
    clientId: 'wire-profile',
    brokers: CONFIG.KAFKA_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
  });
  const topic = `wire-profile-${randomUUID()}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
  const producer = kafka.producer();
  await producer.connect();
  const values = Float32Array.from({ length: ITEMS * DIM }, (_, i) => Math.sin(i) * 3);
  let t = performance.now();
  for (let i = 0; i < BATCHES; i++) {
    const message = encodeEvent(TOPIC, batch(values));
    await producer.send({ topic, messages: [message] });
  }
  const produceMs = performance.now() - t;
  const consumer = kafka.consumer({ groupId: `wire-profile-${randomUUID()}`, maxBytes: 64 << 20 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let bytes = 0;
  t = performance.now();
  await new Promise<void>((resolve, reject) => {
    void consumer.run({
      eachBatch: async ({ batch: b }) => {
        for (const m of b.messages) {
          bytes += m.value!.length;
          const r = decodeEvent(TOPIC, m.value!);
          if (!r.ok) return reject(new Error(r.reason));
          for (const l of r.value.layers) decodeVectors(l.vectors);
          if (++seen === BATCHES) resolve();
        }
        await Promise.resolve();
      },
    });
  });
  const consumeMs = performance.now() - t;
  console.log(
    `wire-profile: dtype=${DTYPE} batches=${BATCHES} bytes_per_batch=${Math.round(bytes / BATCHES)} produce_ms_per_batch=${(produceMs / BATCHES).toFixed(1)} consume_decode_ms_per_batch=${(consumeMs / BATCHES).toFixed(1)}`,
  );
  await consumer.disconnect();
  await producer.disconnect();
  await admin.deleteTopics({ topics: [topic] });
  await admin.disconnect();
}

void main();
