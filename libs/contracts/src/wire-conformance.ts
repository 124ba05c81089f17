import type { ActivationBatch } from './activation-batch.event';
import { decodeVectors, encodeVectors, type VectorDtype } from './vector';
import { encodeWireMessage } from './wire-message';

/**
 * The wire conformance cases: one small ActivationBatch per dtype and form, written by `npm run
 * contracts:json-schema` to libs/contracts/conformance. The TS suite checks the files are what this
 * build encodes and decodes; the Python SDK's suite encodes the same inputs and must produce the same
 * bytes, and decodes the files to the same float32 values.
 */
export interface WireConformanceCase {
  /** File name in libs/contracts/conformance. */
  file: string;
  event: 'ActivationBatch';
  form: 'binary' | 'json';
  dtype: VectorDtype;
  shape: [number, number];
  /** Float32 inputs given to the encoder (exact as JSON numbers). */
  input: number[];
  /** What any decoder must return: the inputs rounded to the dtype, as float32. */
  decoded: number[];
}

const INPUT = [
  1 / 3,
  -2.5,
  1e-5,
  65504,
  Math.PI,
  -0.001,
  1.00048828125,
  1.0009765625,
  3.0e-6,
  -123.456,
  0.1,
  7,
  // Third row: ties and limits of the half dtypes.
  1.00390625, // 1 + 2^-8: a bfloat16 tie, to even (1)
  1.01171875, // 1 + 3·2^-8: a bfloat16 tie, to even (up, 1.015625)
  -1.00390625,
  65519, // float16 rounds it down to 65504 (65520 would overflow)
  6e-8, // about float16's smallest subnormal, 2^-24
  1.401298464324817e-45, // float32's smallest subnormal: zero in either half dtype
];
const ROWS = 3;
const COLS = 6;

function caseEvent(dtype: VectorDtype): ActivationBatch {
  return {
    eventId: `wire-conformance-${dtype}`,
    schemaVersion: 1,
    occurredAt: '2026-01-01T00:00:00.000Z',
    subject: { kind: 'model', id: 'conformance-model' },
    batchId: 'conformance-batch',
    trusted: false,
    items: Array.from({ length: ROWS }, (_, i) => ({ itemId: `item-${i}` })),
    layers: [
      {
        name: 'h.0',
        dim: COLS,
        vectors: encodeVectors(Float32Array.from(INPUT), [ROWS, COLS], 'vectors', dtype),
      },
    ],
  };
}

/** The cases with the exact message bytes this build writes for each. */
export function wireConformanceCases(): { case: WireConformanceCase; bytes: Buffer }[] {
  const input = [...Float32Array.from(INPUT)];
  const dtypes: VectorDtype[] = ['float32', 'float16', 'bfloat16'];
  const binary = dtypes.map((dtype) => {
    const event = caseEvent(dtype);
    return {
      case: {
        file: `activation-batch.${dtype}.bin`,
        event: 'ActivationBatch' as const,
        form: 'binary' as const,
        dtype,
        shape: [ROWS, COLS] as [number, number],
        input,
        decoded: [...decodeVectors(event.layers[0].vectors).values],
      },
      bytes: encodeWireMessage(event),
    };
  });
  const json = caseEvent('float32');
  return [
    ...binary,
    {
      case: { ...binary[0].case, file: 'activation-batch.float32.json', form: 'json' },
      // The schema version 1 form, as every producer wrote it before the binary wire.
      bytes: Buffer.from(JSON.stringify(json), 'utf8'),
    },
  ];
}
