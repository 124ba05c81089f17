import { mulberry32 } from '@damon/detectors';

/** Reproducible draws: the same seed gives the same story, hence the same event ids and payloads. */
export class SeededRandom {
  private readonly uniform: () => number;
  private spare?: number;

  constructor(seed: number) {
    this.uniform = mulberry32(seed);
  }

  next(): number {
    return this.uniform();
  }

  /** Standard normal by Box–Muller (the second draw of each pair is kept for the next call). */
  normal(): number {
    if (this.spare !== undefined) {
      const value = this.spare;
      this.spare = undefined;
      return value;
    }
    const u = 1 - this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  bernoulli(p: number): boolean {
    return this.uniform() < p;
  }

  pick<T>(values: readonly T[]): T {
    return values[Math.floor(this.uniform() * values.length)];
  }

  /** A unit vector in d dimensions. */
  direction(d: number): Float32Array {
    const v = Float32Array.from({ length: d }, () => this.normal());
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  }
}
