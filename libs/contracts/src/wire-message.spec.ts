import { describe, expect, it } from 'vitest';
import { decodeVectors, encodeVectors, VectorBytes } from './vector';
import { decodeWireMessage, encodeWireMessage, isBinaryWireMessage, WireFormatError } from './wire-message';

const event = () => ({
  eventId: 'e1',
  layers: [
    { name: 'a', vectors: encodeVectors([1, 2, 3, 4], [2, 2]) },
    { name: 'b', vectors: encodeVectors([0.5, -0.25], [1, 2], 'vectors', 'bfloat16') },
  ],
});

describe('wire message forms', () => {
  it('writes magic, version, header length, JSON header with byte references, then the raw bytes', () => {
    const raw = encodeWireMessage(event());
    expect(isBinaryWireMessage(raw)).toBe(true);
    expect(raw.subarray(0, 5).toString('latin1')).toBe('DMNB\x01');
    const headerLength = raw.readUInt32LE(5);
    const header = JSON.parse(raw.toString('utf8', 9, 9 + headerLength)) as {
      layers: { vectors: { data: unknown } }[];
    };
    expect(header.layers.map((l) => l.vectors.data)).toEqual([
      { offset: 0, length: 16 },
      { offset: 16, length: 4 },
    ]);
    expect(raw.length).toBe(9 + headerLength + 20);
    // 1.0f little-endian, then bfloat16 0.5 (0x3f00) and -0.25 (0xbe80).
    expect([...raw.subarray(9 + headerLength, 9 + headerLength + 4)]).toEqual([0, 0, 0x80, 0x3f]);
    expect([...raw.subarray(raw.length - 4)]).toEqual([0x00, 0x3f, 0x80, 0xbe]);
  });

  it('decodes the binary form to byte views and the JSON form as before', () => {
    const original = event();
    const decoded = decodeWireMessage(encodeWireMessage(original)) as ReturnType<typeof event>;
    expect(decoded.layers[0].vectors.data).toBeInstanceOf(VectorBytes);
    expect([...decodeVectors(decoded.layers[0].vectors).values]).toEqual([1, 2, 3, 4]);
    expect([...decodeVectors(decoded.layers[1].vectors).values]).toEqual([0.5, -0.25]);
    // JSON.stringify (state rows, the JSON form) writes the bytes as base64: the schema version 1 form.
    const json = JSON.stringify(original);
    expect(JSON.parse(json)).toMatchObject({
      layers: [{ vectors: { data: 'AACAPwAAAEAAAEBAAACAQA==' } }, {}],
    });
    const fromJson = decodeWireMessage(Buffer.from(json)) as ReturnType<typeof event>;
    expect([...decodeVectors(fromJson.layers[1].vectors).values]).toEqual([0.5, -0.25]);
    // An event without vector bytes stays plain JSON.
    expect(encodeWireMessage({ a: 1 }).toString()).toBe('{"a":1}');
  });

  it('rejects malformed binary messages with the reason', () => {
    const raw = encodeWireMessage(event());
    const headerLength = raw.readUInt32LE(5);
    const bad = (mutate: (b: Buffer) => Buffer) => () => decodeWireMessage(mutate(Buffer.from(raw)));
    expect(bad((b) => b.subarray(0, 6))).toThrow(/shorter than its 9-byte prefix/);
    expect(bad((b) => ((b[4] = 2), b))).toThrow(/binary wire version 2 is not supported/);
    expect(bad((b) => (b.writeUInt32LE(1 << 30, 5), b))).toThrow(/overruns the message/);
    expect(bad((b) => b.subarray(0, 9 + headerLength + 10))).toThrow(
      /layers\.0\.vectors\.data: bytes 0\.\.16 lie outside the byte section of 10 bytes/,
    );
    expect(bad((b) => ((b[9] = 0x20), (b[10] = 0x5b), b))).toThrow(WireFormatError);
    expect(() => decodeWireMessage(Buffer.from('{"a": nope'))).toThrow(/^not JSON/);
    const negative = Buffer.from(raw.toString('latin1').replace('"offset":16', '"offset":-1'), 'latin1');
    expect(() => decodeWireMessage(negative)).toThrow(/layers\.1\.vectors\.data: byte reference must be/);
  });
});
