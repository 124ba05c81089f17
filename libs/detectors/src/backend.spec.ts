import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, valuesInPlace } from './backend';

describe('valuesInPlace', () => {
  beforeAll(async () => {
    expect(await initBackend(() => undefined)).toBe('wasm');
  });

  it("reads a kernel's output where the WASM backend keeps it: the same values as dataSync, no copy", () => {
    const a = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const product = tf.matMul(a, a, false, true);
    const view = valuesInPlace(product);
    expect(Array.from(view)).toEqual(Array.from(product.dataSync()));
    expect(Array.from(view)).toEqual([14, 32, 32, 77]);
    // A view into the WASM heap, not a buffer of its own (dataSync's copy has one of its own size).
    expect(view.buffer.byteLength).toBeGreaterThan(view.byteLength);
    expect(product.dataSync().buffer.byteLength).toBe(product.dataSync().byteLength);
    // Each tensor is read at its own place: a second output is not mistaken for the first.
    const sum = tf.sum(product, 1);
    expect(Array.from(valuesInPlace(sum))).toEqual([46, 109]);
    tf.dispose([a, product, sum]);
  });

  it('takes float32 tensors only', () => {
    const ints = tf.tensor1d([1, 2, 3], 'int32');
    expect(() => valuesInPlace(ints)).toThrow(/float32 tensors, not int32/);
    ints.dispose();
  });
});
