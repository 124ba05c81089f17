import { describe, expect, it } from 'vitest';
import { binomialUpperTail } from './signal-stage.handler';

describe('binomialUpperTail', () => {
  it('matches the closed form P(X ≥ k)', () => {
    // 1 − [0.9¹⁰ + 10·0.1·0.9⁹ + 45·0.01·0.9⁸]
    expect(binomialUpperTail(3, 10, 0.1)).toBeCloseTo(0.0701908264, 9);
    expect(binomialUpperTail(1, 5, 0.5)).toBeCloseTo(31 / 32, 12);
    expect(binomialUpperTail(0, 5, 0.5)).toBe(1);
  });
});
