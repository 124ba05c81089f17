import { checkHeader } from '../serialization';
import { type ChangePointUpdate } from './change-point';

export interface CusumOptions {
  /** In-control mean and standard deviation; learned from the first `warmup` values when omitted. */
  mean?: number;
  sd?: number;
  warmup?: number;
  /** Allowance k and decision interval h, in units of sd (defaults 0.5 and 5: ARL₀ ≈ 930 per side). */
  k?: number;
  h?: number;
}

export interface CusumJson {
  readonly kind: 'cusum';
  readonly formatVersion: 1;
  readonly options: CusumOptions;
  readonly state: {
    step: number;
    mean: number;
    sd: number;
    high: number;
    low: number;
    highStart: number;
    lowStart: number;
    warm: number[];
  };
}

/**
 * Two-sided tabular CUSUM on standardised values: S⁺ = max(0, S⁺ + z − k), S⁻ = max(0, S⁻ − z − k);
 * alarms when either exceeds h, reports the step after the sum last left zero as the change, and
 * restarts.
 */
export class CusumDetector {
  private step = 0;
  private mean: number;
  private sd: number;
  private high = 0;
  private low = 0;
  private highStart = 0;
  private lowStart = 0;
  private warm: number[] = [];

  constructor(private readonly options: CusumOptions = {}) {
    this.mean = options.mean ?? NaN;
    this.sd = options.sd ?? NaN;
  }

  update(value: number): ChangePointUpdate {
    const step = this.step++;
    if (Number.isNaN(this.mean) || Number.isNaN(this.sd)) {
      this.warm.push(value);
      if (this.warm.length >= (this.options.warmup ?? 50)) {
        const m = this.warm.reduce((a, b) => a + b, 0) / this.warm.length;
        const v = this.warm.reduce((a, b) => a + (b - m) ** 2, 0) / (this.warm.length - 1);
        if (Number.isNaN(this.mean)) this.mean = m;
        if (Number.isNaN(this.sd)) this.sd = Math.sqrt(v) || 1;
        this.warm = [];
      }
      return { step, alarm: false, statistic: 0 };
    }
    const k = this.options.k ?? 0.5;
    const h = this.options.h ?? 5;
    const z = (value - this.mean) / this.sd;
    if (this.high === 0) this.highStart = step;
    if (this.low === 0) this.lowStart = step;
    this.high = Math.max(0, this.high + z - k);
    this.low = Math.max(0, this.low - z - k);
    const statistic = Math.max(this.high, this.low);
    if (this.high > h || this.low > h) {
      const direction = this.high > h ? 'up' : 'down';
      const changeStep = direction === 'up' ? this.highStart : this.lowStart;
      this.high = 0;
      this.low = 0;
      return { step, alarm: true, changeStep, direction, statistic };
    }
    return { step, alarm: false, statistic };
  }

  toJSON(): CusumJson {
    return {
      kind: 'cusum',
      formatVersion: 1,
      options: this.options,
      state: {
        step: this.step,
        mean: this.mean,
        sd: this.sd,
        high: this.high,
        low: this.low,
        highStart: this.highStart,
        lowStart: this.lowStart,
        warm: this.warm,
      },
    };
  }

  static fromJSON(json: CusumJson): CusumDetector {
    checkHeader(json, 'cusum', 1);
    const d = new CusumDetector(json.options);
    Object.assign(d, { ...json.state, warm: [...json.state.warm] });
    return d;
  }
}
