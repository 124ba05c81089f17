/** A float array inside a detector's JSON: base64 of little-endian float32, as vectors travel on the bus. */
export interface EncodedArray {
  readonly dtype: 'float32';
  readonly length: number;
  readonly data: string;
}

export function encodeArray(values: ArrayLike<number>): EncodedArray {
  const f32 = values instanceof Float32Array ? values : Float32Array.from(values);
  const bytes = Buffer.from(f32.buffer, f32.byteOffset, f32.byteLength);
  // Buffer is host-endian; Node runs little-endian on every platform we target (x64, arm64).
  return { dtype: 'float32', length: f32.length, data: bytes.toString('base64') };
}

export function decodeArray(encoded: EncodedArray, expectedLength?: number): Float32Array {
  if (encoded.dtype !== 'float32') throw new Error(`decodeArray: unsupported dtype ${String(encoded.dtype)}`);
  const bytes = Buffer.from(encoded.data, 'base64');
  if (bytes.byteLength !== encoded.length * 4)
    throw new Error(`decodeArray: ${bytes.byteLength} bytes for ${encoded.length} floats`);
  if (expectedLength !== undefined && encoded.length !== expectedLength) {
    throw new Error(`decodeArray: expected ${expectedLength} values, got ${encoded.length}`);
  }
  const out = new Float32Array(encoded.length);
  out.set(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)));
  return out;
}

/** Every detector's JSON starts with its kind and a format version, checked on load. */
export interface VersionedJson<K extends string> {
  readonly kind: K;
  readonly formatVersion: number;
}

export function checkHeader(
  json: { kind?: unknown; formatVersion?: unknown },
  kind: string,
  formatVersion: number,
): void {
  if (json.kind !== kind) throw new Error(`fromJSON: expected kind "${kind}", got "${String(json.kind)}"`);
  if (json.formatVersion !== formatVersion) {
    throw new Error(
      `fromJSON: ${kind} format version ${String(json.formatVersion)} is not supported (expected ${formatVersion})`,
    );
  }
}
