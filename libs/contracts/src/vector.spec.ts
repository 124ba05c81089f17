import { describe, expect, it } from 'vitest';
import { decodeVectors, encodeVectors, reviveVectorBytes, vectorsSchema } from './vector';

describe('vector codec', () => {
  it('keeps vector bytes JSON-safe after a structured clone (a worker thread posting a fitted state back)', () => {
    const state = {
      nested: [{ rows: encodeVectors([1, 2, 3, 4], [2, 2]) }],
      list: [encodeVectors([5, 6], [2]), 7],
      scores: [0.5, 0.25],
    };
    const cloned = structuredClone(state);
    // What went wrong before: the clone is a plain Uint8Array and JSON writes it as {"0":…}.
    expect(JSON.stringify(cloned)).not.toBe(JSON.stringify(state));
    const revived = reviveVectorBytes(cloned);
    expect(JSON.stringify(revived)).toBe(JSON.stringify(state));
    const stored = JSON.parse(JSON.stringify(revived)) as typeof state;
    expect(decodeVectors(stored.nested[0].rows).values).toEqual(new Float32Array([1, 2, 3, 4]));
  });

  it('round-trips float32 values as base64 little-endian with their shape', () => {
    const values = Float32Array.from([1.5, -2.25, 3e-8, 65504, -0, 7]);
    const encoded = encodeVectors(values, [2, 3]);
    expect(encoded.shape).toEqual([2, 3]);
    // Independent check of the byte layout: 1.5f is 0x3FC00000, little-endian 00 00 C0 3F.
    expect([...(encoded.data as Uint8Array).subarray(0, 4)]).toEqual([0x00, 0x00, 0xc0, 0x3f]);
    const decoded = decodeVectors(encoded);
    expect(decoded.rows).toBe(2);
    expect(decoded.cols).toBe(3);
    expect([...decoded.values]).toEqual([...values]);
  });

  it('rejects NaN and Infinity with the position of the bad value', () => {
    expect(() => encodeVectors([1, Number.NaN], [2])).toThrow(/row 1, column 0 is not finite/);
    const bytes = Buffer.alloc(8);
    bytes.writeFloatLE(1, 0);
    bytes.writeFloatLE(Number.POSITIVE_INFINITY, 4);
    expect(() =>
      decodeVectors({ dtype: 'float32', shape: [1, 2], data: bytes.toString('base64') }, 'layers.0.vectors'),
    ).toThrow('layers.0.vectors.data: value Infinity at row 0, column 1 is not finite');
  });

  it('rejects data whose length does not match the shape, in the schema and in the decoder', () => {
    const encoded = encodeVectors(new Float32Array(6), [2, 3]);
    const wrong = { ...encoded, shape: [2, 4] };
    const parsed = vectorsSchema.safeParse(wrong);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toMatch(/holds 24 bytes but shape \[2, 4\] of float32 needs 32/);
    expect(() => decodeVectors(wrong)).toThrow(/needs 32/);
    expect(() => encodeVectors(new Float32Array(5), [2, 3])).toThrow(/5 values do not fill shape \[2, 3\]/);
  });

  it('accepts an empty matrix', () => {
    const decoded = decodeVectors(encodeVectors(new Float32Array(0), [0, 8]));
    expect(decoded.rows).toBe(0);
    expect(decoded.values.length).toBe(0);
  });

  it('reads float32 in place only when asked and when it can, and checks the values either way', () => {
    const values = Float32Array.from([1.5, -2.25, 3, 4, 5, 6]);
    const fetched = new Uint8Array(64);
    fetched.set(new Uint8Array(values.buffer), 8); // aligned, inside a larger buffer
    const aligned = { dtype: 'float32' as const, shape: [2, 3], data: fetched.subarray(8, 32) };
    const inPlace = decodeVectors(aligned, 'vectors', true).values;
    expect(inPlace.buffer).toBe(fetched.buffer);
    expect(inPlace.byteOffset).toBe(8);
    expect([...inPlace]).toEqual([...values]);
    const copied = decodeVectors(aligned).values; // the default is a copy
    expect(copied.buffer).not.toBe(fetched.buffer);
    expect([...copied]).toEqual([...values]);

    // A misaligned offset cannot be viewed as float32: a copy, with the same values.
    const odd = new Uint8Array(64);
    odd.set(new Uint8Array(values.buffer), 3);
    const misaligned = decodeVectors(
      { dtype: 'float32', shape: [2, 3], data: odd.subarray(3, 27) },
      'v',
      true,
    );
    expect(misaligned.values.buffer).not.toBe(odd.buffer);
    expect([...misaligned.values]).toEqual([...values]);

    // Half precision is always converted into new float32 values.
    const half = encodeVectors(values, [2, 3], 'v', 'bfloat16');
    const widened = decodeVectors(half, 'v', true).values;
    expect(widened.buffer).not.toBe((half.data as Uint8Array).buffer);
    expect([...widened]).toEqual([...values]); // all exact in bfloat16

    new DataView(fetched.buffer).setFloat32(12, Number.NaN, true);
    expect(() => decodeVectors(aligned, 'layers.1.vectors', true)).toThrow(
      'layers.1.vectors.data: value NaN at row 0, column 1 is not finite',
    );
  });
});
