import { describe, expect, it } from 'vitest';
import { decodeVectors, encodeVectors, float32BitsToFloat16Bits } from '@damon/contracts';
import { mulberry32 } from '@damon/detectors';
import { runPythonReference } from '@damon/testing';

interface Reference {
  float16: number[];
  bfloat16: number[];
  float16_all: number[];
}

/** Float32 bit patterns that hit every rounding case: ties, subnormals, the overflow edges, random. */
function probeBits(): Uint32Array {
  const f = (x: number) => new Uint32Array(Float32Array.of(x).buffer)[0];
  const edges = [
    0,
    0x80000000,
    1,
    0x00800000, // zeros, float32 subnormal, smallest normal
    f(65504),
    f(65519.996),
    f(65520),
    f(65536),
    f(-65520),
    f(3.4e38), // float16 max and overflow edges
    f(2 ** -24),
    f(2 ** -25),
    f(2 ** -25) + 1,
    f(3 * 2 ** -26),
    f(2 ** -14),
    f(2 ** -14) - 1, // subnormal edges
    0x3f801000,
    0x3f803000,
    0x3f801001,
    0x3f802fff, // float16 ties (even/odd) and near ties
    0x3f808000,
    0x3f818000,
    0x3f808001,
    0x3f817fff, // bfloat16 ties (even/odd) and near ties
    0x7f7fffff,
    0x7f7f8000,
    0xff7f7fff, // bfloat16 overflow edges
  ];
  const random = mulberry32(12);
  const bits = new Uint32Array(edges.length + 20_000);
  bits.set(edges);
  for (let i = edges.length; i < bits.length; i++) {
    // Mostly magnitudes a model produces, some anywhere in the float32 range (finite only).
    if (i % 4 === 0) {
      let b: number;
      do b = Math.floor(random() * 2 ** 32) >>> 0;
      while ((b & 0x7f800000) === 0x7f800000);
      bits[i] = b;
    } else bits[i] = f((random() - 0.5) * 2 ** Math.floor(random() * 40 - 20));
  }
  return bits;
}

describe('half-precision vector dtypes against NumPy', () => {
  const bits = probeBits();
  const reference = runPythonReference<Reference>('vector_dtypes_reference.py', { bits: [...bits] });

  it('float16: rounds to nearest even exactly as numpy astype(float16)', () => {
    const ours = Array.from(bits, float32BitsToFloat16Bits);
    expect(ours).toEqual(reference.float16);
  });

  it('float16: decodes every one of the 65,536 patterns as numpy does', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const finite = [...all].filter((h) => (h & 0x7c00) !== 0x7c00);
    const decoded = decodeVectors({
      dtype: 'float16',
      shape: [finite.length],
      data: new Uint8Array(Uint16Array.from(finite).buffer),
    });
    const decodedBits = new Uint32Array(decoded.values.buffer);
    expect([...decodedBits]).toEqual(finite.map((h) => reference.float16_all[h]));
  });

  for (const dtype of ['float16', 'bfloat16'] as const) {
    it(`${dtype}: encodeVectors gives numpy's bytes, rejects overflow, and decodes to the rounded float32`, () => {
      const expected = reference[dtype];
      const mask = dtype === 'float16' ? 0x7c00 : 0x7f80;
      const overflows = (h: number) => (h & mask) === mask;
      const ok = [...bits.keys()].filter((i) => !overflows(expected[i]));
      expect(ok.length).toBeGreaterThan(bits.length / 2);
      expect(ok.length).toBeLessThan(bits.length); // some probes do overflow
      const input = new Float32Array(Uint32Array.from(ok, (i) => bits[i]).buffer);
      const encoded = encodeVectors(input, [input.length], 'vectors', dtype);
      const halves = new Uint16Array(Uint8Array.from(encoded.data as Uint8Array).buffer);
      expect([...halves]).toEqual(ok.map((i) => expected[i] & 0xffff));
      const decoded = decodeVectors(encoded);
      const want = ok.map((i) =>
        dtype === 'bfloat16' ? (expected[i] << 16) >>> 0 : reference.float16_all[expected[i]],
      );
      expect([...new Uint32Array(decoded.values.buffer)]).toEqual(want);
      const bad = [...bits.keys()].find((i) => overflows(expected[i]))!;
      expect(() =>
        encodeVectors(new Float32Array(Uint32Array.of(bits[bad]).buffer), [1], 'layers.0.vectors', dtype),
      ).toThrow(new RegExp(`layers\\.0\\.vectors\\.data: value .* at row 0, column 0 overflows ${dtype}`));
    });
  }
});
