import { VectorBytes } from './vector';

/**
 * How an event sits in a Kafka message value. Two forms, both read by every consumer:
 *
 * - **JSON** (schema version 1's only form): UTF-8 JSON of the event, vectors as base64 in `data`.
 *   Events without vector bytes are always sent this way.
 * - **Binary, version 1**: `"DMNB"` · version byte `0x01` · uint32 little-endian length H of the
 *   header · H bytes of UTF-8 JSON header · the byte section. The header is the event as JSON with
 *   each vector's `data` replaced by `{ "offset", "length" }` into the byte section, where its raw
 *   little-endian values lie as they are (no base64, no copy on decode).
 *
 * A JSON message starts with `{` (or whitespace), never with the magic, so the first bytes tell the
 * forms apart without a Kafka header.
 */
export const WIRE_MAGIC = Object.freeze([0x44, 0x4d, 0x4e, 0x42]); // "DMNB"
export const WIRE_BINARY_VERSION = 1;
const PREFIX_BYTES = 9;

export class WireFormatError extends Error {
  override readonly name = 'WireFormatError';
}

export interface ByteRef {
  offset: number;
  length: number;
}

/** True when the value starts with the binary wire's magic. */
export function isBinaryWireMessage(raw: Uint8Array): boolean {
  return (
    raw.length >= 4 &&
    raw[0] === WIRE_MAGIC[0] &&
    raw[1] === WIRE_MAGIC[1] &&
    raw[2] === WIRE_MAGIC[2] &&
    raw[3] === WIRE_MAGIC[3]
  );
}

/**
 * Serialises an event: the binary form when it holds vector bytes (`Uint8Array` values, as
 * `encodeVectors` returns), plain JSON otherwise.
 */
export function encodeWireMessage(payload: unknown): Buffer {
  const blobs: Uint8Array[] = [];
  let offset = 0;
  const header = JSON.stringify(payload, function (this: Record<string, unknown>, key, value: unknown) {
    // `this[key]` is the value before toJSON ran (a Buffer or VectorBytes would turn into JSON there).
    const original = this[key];
    if (original instanceof Uint8Array) {
      const ref: ByteRef = { offset, length: original.byteLength };
      blobs.push(original);
      offset += original.byteLength;
      return ref;
    }
    return value;
  });
  if (blobs.length === 0) return Buffer.from(header, 'utf8');
  const headerBytes = Buffer.from(header, 'utf8');
  const out = Buffer.allocUnsafe(PREFIX_BYTES + headerBytes.length + offset);
  out.set(WIRE_MAGIC, 0);
  out[4] = WIRE_BINARY_VERSION;
  out.writeUInt32LE(headerBytes.length, 5);
  headerBytes.copy(out, PREFIX_BYTES);
  let at = PREFIX_BYTES + headerBytes.length;
  for (const blob of blobs) {
    out.set(blob, at);
    at += blob.byteLength;
  }
  return out;
}

/**
 * Parses a message value of either form into the event object to validate. Vector references of the
 * binary form become `VectorBytes` views of `raw`. Throws `WireFormatError` saying what is wrong.
 */
export function decodeWireMessage(raw: Uint8Array): unknown {
  const buffer = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (!isBinaryWireMessage(buffer)) {
    try {
      return JSON.parse(buffer.toString('utf8')) as unknown;
    } catch (error) {
      throw new WireFormatError(`not JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (buffer.length < PREFIX_BYTES)
    throw new WireFormatError(`binary message of ${buffer.length} bytes is shorter than its 9-byte prefix`);
  const version = buffer[4];
  if (version !== WIRE_BINARY_VERSION)
    throw new WireFormatError(
      `binary wire version ${version} is not supported (this build reads version ${WIRE_BINARY_VERSION})`,
    );
  const headerLength = buffer.readUInt32LE(5);
  const bytesStart = PREFIX_BYTES + headerLength;
  if (bytesStart > buffer.length)
    throw new WireFormatError(
      `binary header length ${headerLength} overruns the message of ${buffer.length} bytes`,
    );
  let header: unknown;
  try {
    header = JSON.parse(buffer.toString('utf8', PREFIX_BYTES, bytesStart)) as unknown;
  } catch (error) {
    throw new WireFormatError(
      `binary header is not JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  resolveRefs(header, buffer, bytesStart, '');
  return header;
}

/** Replaces every vectors object's `{ offset, length }` data with a view of the byte section. */
function resolveRefs(node: unknown, buffer: Buffer, start: number, path: string): void {
  if (Array.isArray(node)) {
    node.forEach((child, i) => resolveRefs(child, buffer, start, path ? `${path}.${i}` : String(i)));
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const record = node as Record<string, unknown>;
  if ('dtype' in record && 'shape' in record && typeof record.data === 'object' && record.data !== null) {
    const ref = record.data as Partial<ByteRef>;
    const where = path ? `${path}.data` : 'data';
    const { offset, length } = ref;
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset! < 0 || length! < 0)
      throw new WireFormatError(
        `${where}: byte reference must be { offset, length } of non-negative integers`,
      );
    const available = buffer.length - start;
    if (offset! + length! > available)
      throw new WireFormatError(
        `${where}: bytes ${offset}..${offset! + length!} lie outside the byte section of ${available} bytes`,
      );
    record.data = new VectorBytes(buffer.buffer as ArrayBuffer, buffer.byteOffset + start + offset!, length);
    return;
  }
  for (const [key, child] of Object.entries(record))
    resolveRefs(child, buffer, start, path ? `${path}.${key}` : key);
}
