import { z } from 'zod';
import { LIMITS } from './limits';

/**
 * A matrix of float32 values on the wire: base64 of the little-endian bytes, row-major, with its
 * shape. The schema checks that the byte length matches the shape; `decodeVectors` also rejects
 * NaN and ±Infinity.
 */
export const vectorsSchema = z
  .object({
    dtype: z.literal('float32'),
    shape: z
      .array(
        z
          .int()
          .min(0)
          .max(LIMITS.maxBatchItems * LIMITS.maxVectorDim),
      )
      .min(1)
      .max(2),
    data: z.base64(),
  })
  .superRefine((v, ctx) => {
    const expected = v.shape.reduce((a, b) => a * b, 1) * 4;
    const actual = base64ByteLength(v.data);
    if (actual !== expected) {
      ctx.addIssue({
        code: 'custom',
        path: ['data'],
        message: `holds ${actual} bytes but shape [${v.shape.join(', ')}] of float32 needs ${expected}`,
      });
    }
  });
export type Vectors = z.infer<typeof vectorsSchema>;

export interface DecodedVectors {
  /** Row-major values; rows = shape[0], cols = shape[1] (1 for a 1-D shape). */
  values: Float32Array;
  rows: number;
  cols: number;
}

export class VectorCodecError extends Error {
  override readonly name = 'VectorCodecError';
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(`${field}: ${message}`);
  }
}

function base64ByteLength(data: string): number {
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  return (data.length / 4) * 3 - padding;
}

/** Encodes row-major float32 values with their shape. Rejects non-finite values and shape mismatch. */
export function encodeVectors(values: Float32Array | number[], shape: number[], field = 'vectors'): Vectors {
  const array = values instanceof Float32Array ? values : Float32Array.from(values);
  const expected = shape.reduce((a, b) => a * b, 1);
  if (shape.length < 1 || shape.length > 2 || shape.some((s) => !Number.isInteger(s) || s < 0)) {
    throw new VectorCodecError(
      `shape [${shape.join(', ')}] must be 1 or 2 non-negative integers`,
      `${field}.shape`,
    );
  }
  if (array.length !== expected) {
    throw new VectorCodecError(
      `${array.length} values do not fill shape [${shape.join(', ')}]`,
      `${field}.shape`,
    );
  }
  assertFinite(array, field);
  const bytes = new Uint8Array(array.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < array.length; i++) view.setFloat32(i * 4, array[i], true);
  return { dtype: 'float32', shape: [...shape], data: Buffer.from(bytes).toString('base64') };
}

/** Decodes wire vectors, checking byte length against shape and rejecting NaN/±Infinity. */
export function decodeVectors(vectors: Vectors, field = 'vectors'): DecodedVectors {
  if (vectors.dtype !== 'float32')
    throw new VectorCodecError(`dtype ${String(vectors.dtype)} is not float32`, `${field}.dtype`);
  const [rows = 0, cols = 1] = vectors.shape;
  const bytes = Buffer.from(vectors.data, 'base64');
  if (bytes.length !== rows * cols * 4) {
    throw new VectorCodecError(
      `holds ${bytes.length} bytes but shape [${vectors.shape.join(', ')}] of float32 needs ${rows * cols * 4}`,
      `${field}.data`,
    );
  }
  const values = new Float32Array(rows * cols);
  if (isLittleEndianHost) {
    new Uint8Array(values.buffer).set(bytes);
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(i * 4, true);
  }
  assertFinite(values, field, cols);
  return { values, rows, cols };
}

const isLittleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function assertFinite(values: Float32Array, field: string, cols = 1): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      const row = Math.floor(i / cols);
      const col = i % cols;
      throw new VectorCodecError(
        `value ${values[i]} at row ${row}, column ${col} is not finite`,
        `${field}.data`,
      );
    }
  }
}
