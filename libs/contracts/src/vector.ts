import { z } from 'zod';
import { LIMITS } from './limits';

/**
 * Wire dtypes of a vector payload, always little-endian. `float16` is IEEE binary16, `bfloat16` the
 * upper half of a float32; both are lossless for a model that already runs in them and halve the bytes.
 */
export const VECTOR_DTYPES = ['float32', 'float16', 'bfloat16'] as const;
export type VectorDtype = (typeof VECTOR_DTYPES)[number];
export const VECTOR_DTYPE_BYTES: Readonly<Record<VectorDtype, number>> = {
  float32: 4,
  float16: 2,
  bfloat16: 2,
};

/**
 * Raw vector bytes held in memory. The binary wire (see `wire-message.ts`) carries them as they are;
 * anything that serialises an event with plain `JSON.stringify` (state rows, size estimates) gets the
 * base64 JSON form instead, so no caller can write the typed array out as an object of numbers.
 */
export class VectorBytes extends Uint8Array {
  toJSON(): string {
    return Buffer.from(this.buffer, this.byteOffset, this.byteLength).toString('base64');
  }
}

/**
 * Gives back the `VectorBytes` type to the byte arrays in `value`, in place, and returns it. A
 * structured clone (a worker thread's `postMessage`) turns a `VectorBytes` into a plain `Uint8Array`,
 * which `JSON.stringify` would write as an object of numbers; the views it makes share the bytes.
 */
export function reviveVectorBytes<T>(value: T): T {
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return value;
  const revive = (child: unknown): unknown => {
    if (child instanceof Uint8Array && !(child instanceof VectorBytes) && !Buffer.isBuffer(child))
      return new VectorBytes(child.buffer as ArrayBuffer, child.byteOffset, child.byteLength);
    if (child !== null && typeof child === 'object') reviveVectorBytes(child);
    return child;
  };
  if (Array.isArray(value)) {
    // By index: a long array of numbers (scores, statistics) costs a type check per element only.
    for (let i = 0; i < value.length; i++) {
      const child: unknown = value[i];
      if (child !== null && typeof child === 'object') value[i] = revive(child);
    }
    return value;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const child = record[key];
    if (child !== null && typeof child === 'object') record[key] = revive(child);
  }
  return value;
}

/** Marks the binary form of `data` in a schema, so the JSON Schema export can describe its reference. */
export const vectorBytesSchema = z.instanceof(Uint8Array);

/**
 * A matrix on the wire, row-major, with its dtype and shape. `data` is either base64 of the
 * little-endian bytes (the JSON form, schema version 1's only form) or the bytes themselves (the
 * binary wire, where the JSON header holds `{ "offset", "length" }` into the message's byte section).
 * The schema checks that the byte length matches shape × dtype size; `decodeVectors` also rejects
 * NaN and ±Infinity.
 */
export const vectorsSchema = z
  .object({
    dtype: z.enum(VECTOR_DTYPES),
    shape: z
      .array(
        z
          .int()
          .min(0)
          .max(LIMITS.maxBatchItems * LIMITS.maxVectorDim),
      )
      .min(1)
      .max(2),
    data: z.union([z.base64(), vectorBytesSchema]),
  })
  .superRefine((v, ctx) => {
    const expected = v.shape.reduce((a, b) => a * b, 1) * VECTOR_DTYPE_BYTES[v.dtype];
    const actual = typeof v.data === 'string' ? base64ByteLength(v.data) : v.data.byteLength;
    if (actual !== expected) {
      ctx.addIssue({
        code: 'custom',
        path: ['data'],
        message: `holds ${actual} bytes but shape [${v.shape.join(', ')}] of ${v.dtype} needs ${expected}`,
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

/**
 * Encodes row-major values with their shape in `dtype` (float16 and bfloat16 round to nearest, ties
 * to even). Rejects non-finite values, values that overflow the dtype, and shape mismatch. The result
 * holds the bytes (binary wire); `JSON.stringify` of it gives the base64 form.
 */
export function encodeVectors(
  values: Float32Array | number[],
  shape: number[],
  field = 'vectors',
  dtype: VectorDtype = 'float32',
): Vectors {
  if (!(VECTOR_DTYPES as readonly string[]).includes(dtype))
    throw new VectorCodecError(
      `dtype ${String(dtype)} is not one of ${VECTOR_DTYPES.join(', ')}`,
      `${field}.dtype`,
    );
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
  const cols = shape.length === 2 ? shape[1] : 1;
  assertFinite(array, field, cols);
  let bytes: VectorBytes;
  if (dtype === 'float32') {
    bytes = new VectorBytes(array.length * 4);
    if (isLittleEndianHost) bytes.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
    else {
      const view = new DataView(bytes.buffer);
      for (let i = 0; i < array.length; i++) view.setFloat32(i * 4, array[i], true);
    }
  } else {
    const half = new Uint16Array(array.length);
    const source = new Uint32Array(array.buffer, array.byteOffset, array.length);
    if (dtype === 'bfloat16') {
      for (let i = 0; i < half.length; i++) {
        const b = source[i];
        half[i] = (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
      }
    } else {
      for (let i = 0; i < half.length; i++) half[i] = float32BitsToFloat16Bits(source[i]);
    }
    const exponentMask = dtype === 'bfloat16' ? 0x7f80 : 0x7c00;
    for (let i = 0; i < half.length; i++) {
      if ((half[i] & exponentMask) === exponentMask) {
        throw new VectorCodecError(
          `value ${array[i]} at row ${Math.floor(i / cols)}, column ${i % cols} overflows ${dtype}`,
          `${field}.data`,
        );
      }
    }
    bytes = new VectorBytes(half.buffer);
    if (!isLittleEndianHost) swapPairs(bytes);
  }
  return { dtype, shape: [...shape], data: bytes };
}

/**
 * Decodes wire vectors of any dtype to float32, checking byte length against shape and rejecting
 * NaN/±Infinity. The values are a copy unless `view` is set and the bytes are float32 that can be
 * read in place (a little-endian host, a 4-byte aligned offset): then they are a view of the bytes,
 * which the caller must not write to nor keep past the bytes' own life. A view spares a copy of the
 * whole batch where it is scored once and dropped (the representation monitor's worker).
 */
export function decodeVectors(vectors: Vectors, field = 'vectors', view = false): DecodedVectors {
  const dtype = vectors.dtype;
  if (!(VECTOR_DTYPES as readonly string[]).includes(dtype))
    throw new VectorCodecError(
      `dtype ${String(dtype)} is not one of ${VECTOR_DTYPES.join(', ')}`,
      `${field}.dtype`,
    );
  const [rows = 0, cols = 1] = vectors.shape;
  const n = rows * cols;
  const bytes: Uint8Array =
    typeof vectors.data === 'string' ? Buffer.from(vectors.data, 'base64') : vectors.data;
  const needed = n * VECTOR_DTYPE_BYTES[dtype];
  if (bytes.byteLength !== needed) {
    throw new VectorCodecError(
      `holds ${bytes.byteLength} bytes but shape [${vectors.shape.join(', ')}] of ${dtype} needs ${needed}`,
      `${field}.data`,
    );
  }
  if (view && dtype === 'float32' && isLittleEndianHost && bytes.byteOffset % 4 === 0) {
    const values = new Float32Array(bytes.buffer, bytes.byteOffset, n);
    assertFinite(values, field, cols);
    return { values, rows, cols };
  }
  const values = new Float32Array(n);
  if (dtype === 'float32') {
    if (isLittleEndianHost) {
      new Uint8Array(values.buffer).set(bytes);
    } else {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let i = 0; i < n; i++) values[i] = view.getFloat32(i * 4, true);
    }
    assertFinite(values, field, cols);
    return { values, rows, cols };
  }
  const half = littleEndianUint16(bytes, n);
  const exponentMask = dtype === 'bfloat16' ? 0x7f80 : 0x7c00;
  for (let i = 0; i < n; i++) {
    if ((half[i] & exponentMask) === exponentMask) {
      const value = dtype === 'bfloat16' ? bfloat16ToNumber(half[i]) : FLOAT16_TABLE()[half[i]];
      throw new VectorCodecError(
        `value ${value} at row ${Math.floor(i / cols)}, column ${i % cols} is not finite`,
        `${field}.data`,
      );
    }
  }
  if (dtype === 'bfloat16') {
    const out = new Uint32Array(values.buffer);
    for (let i = 0; i < n; i++) out[i] = half[i] << 16;
  } else {
    const table = FLOAT16_TABLE();
    for (let i = 0; i < n; i++) values[i] = table[half[i]];
  }
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

/** IEEE binary32 bits → binary16 bits, round to nearest, ties to even (as NumPy's astype). */
export function float32BitsToFloat16Bits(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const abs = bits & 0x7fffffff;
  if (abs >= 0x7f800000) return sign | 0x7c00 | (abs > 0x7f800000 ? 0x200 : 0);
  if (abs >= 0x47800000) return sign | 0x7c00; // ≥ 65536: past the last rounding interval
  if (abs < 0x38800000) {
    // Below 2^-14: a subnormal half, counted in units of 2^-24.
    if (abs <= 0x33000000) return sign; // ≤ 2^-25 rounds (ties to even) to zero
    const exponent = abs >>> 23;
    const mantissa = (abs & 0x7fffff) | 0x800000;
    const shift = 126 - exponent;
    let h = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && (h & 1) === 1)) h++;
    return sign | h;
  }
  let h = (abs - 0x38000000) >>> 13;
  const rest = abs & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1)) h++; // a carry into the exponent is right
  return sign | h;
}

let float16Table: Float32Array | undefined;
/** All 65,536 binary16 values as float32 (256 KiB, built on first use): decoding is one lookup. */
function FLOAT16_TABLE(): Float32Array {
  if (float16Table) return float16Table;
  const table = new Float32Array(65536);
  const bits = new Uint32Array(table.buffer);
  for (let h = 0; h < 65536; h++) {
    const sign = (h & 0x8000) << 16;
    const exponent = (h >>> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    if (exponent === 0) table[h] = (sign ? -1 : 1) * mantissa * 2 ** -24;
    else if (exponent === 31) bits[h] = sign | 0x7f800000 | (mantissa << 13);
    else bits[h] = sign | ((exponent + 112) << 23) | (mantissa << 13);
  }
  float16Table = table;
  return table;
}

function bfloat16ToNumber(h: number): number {
  return new Float32Array(new Uint32Array([h << 16]).buffer)[0];
}

/** The bytes as host-order uint16s: a view when aligned on a little-endian host, else a copy. */
function littleEndianUint16(bytes: Uint8Array, n: number): Uint16Array {
  if (isLittleEndianHost && bytes.byteOffset % 2 === 0)
    return new Uint16Array(bytes.buffer, bytes.byteOffset, n);
  const copy = new Uint8Array(n * 2);
  copy.set(bytes);
  if (!isLittleEndianHost) swapPairs(copy);
  return new Uint16Array(copy.buffer);
}

function swapPairs(bytes: Uint8Array): void {
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    const t = bytes[i];
    bytes[i] = bytes[i + 1];
    bytes[i + 1] = t;
  }
}
