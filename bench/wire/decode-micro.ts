/** Decode cost per vector (256 × d=768 batch): base64 JSON vs binary wire, per dtype. Run once; load inflates it. */
import { randomUUID } from 'node:crypto';
import { decodeEvent, encodeEvent } from '../../libs/bus/src/event-codec';
import { decodeVectors, encodeVectors, type ActivationBatch, type VectorDtype } from '@damon/contracts';

const ITEMS = 256;
const DIM = 768;
const values = Float32Array.from({ length: ITEMS * DIM }, (_, i) => Math.sin(i) * 3);
function batch(dtype: VectorDtype): ActivationBatch {
  return {
    eventId: randomUUID(),
    schemaVersion: 1,
    occurredAt: new Date().toISOString(),
    subject: { kind: 'model', id: 'm' },
    batchId: 'b',
    trusted: false,
    items: Array.from({ length: ITEMS }, (_, i) => ({ itemId: `i${i}` })),
    layers: [{ name: 'l0', dim: DIM, vectors: encodeVectors(values, [ITEMS, DIM], 'vectors', dtype) }],
  };
}
function time(raw: Buffer): number {
  const t = performance.now();
  for (let r = 0; r < 20; r++) {
    const d = decodeEvent('damon.telemetry.repr', raw);
    if (!d.ok) throw new Error(d.reason);
    decodeVectors(d.value.layers[0].vectors);
  }
  return ((performance.now() - t) / 20 / ITEMS) * 1000;
}
const json = Buffer.from(JSON.stringify(batch('float32')));
time(json);
console.log(`decode us/vector: json-base64-float32=${time(json).toFixed(2)}`);
for (const dtype of ['float32', 'float16', 'bfloat16'] as const) {
  const raw = encodeEvent('damon.telemetry.repr', batch(dtype)).value;
  time(raw);
  console.log(`decode us/vector: binary-${dtype}=${time(raw).toFixed(2)} bytes=${raw.length}`);
}
