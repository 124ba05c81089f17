import { checkHeader } from '../serialization';
import { median } from '../special-functions';
import { type ChangePointUpdate } from './change-point';
import { cusumOneSidedArl, cusumThresholdForArl, cusumTwoSidedArl } from './cusum-arl';

export interface TrendCusumOptions {
  /** Decision interval in units of the standardised forecast error (see `cusumThresholdForArl`). */
  h: number;
  /** CUSUM allowance, the usual half of the smallest shift worth detecting (default 0.5). */
  k?: number;
  /** Gain of the level on the forecast error (default 0.05: a time constant of 20 steps). */
  levelRate?: number;
  /** Gain of the slope relative to the level's (Holt's β; 0 keeps a local level; default 0.1). */
  trendRate?: number;
  /** Gain of the robust scale (mean absolute forecast error; default 0.01). */
  scaleRate?: number;
  /** Standardised errors are clipped here (Huber) before they enter the CUSUM or move the model (default 4). */
  clip?: number;
  /** Steps after a crossing over which the CUSUM must stay above h before the alarm is raised (default 5). */
  confirm?: number;
  /** Steps after an alarm during which the model re-learns the new regime and raises nothing (default 100). */
  relearn?: number;
  /** Long-run standard deviation of the standardised errors on the reference (≥ 1; default 1). */
  inflation?: number;
  /**
   * Watch the stream against this fixed target instead of its forecast (a budget): the model still
   * follows the stream, so its scale is the stream's own noise, but the CUSUM runs one-sided (up) on
   * (value − target)/sd. A stream at or below its target never alarms beyond the ARL; one that
   * stays above it by more than k sd alarms once, and re-arms only after its level is back at or
   * below the target, and not before `relearn` steps have passed.
   */
  target?: number;
}

export interface TrendCusumUpdate extends ChangePointUpdate {
  /** Standardised, clipped forecast error of this observation. */
  readonly z: number;
  /** Mean forecast error since the change started, in the stream's units (on alarm). */
  readonly magnitude?: number;
  /** The same in standard deviations of the forecast error (on alarm). */
  readonly magnitudeSd?: number;
  /** Caller's label (step) at which the CUSUM first crossed h (on alarm). */
  readonly crossedAt?: number;
}

interface TrendCusumState {
  step: number;
  level: number;
  trend: number;
  scale: number;
  high: number;
  low: number;
  highStart: number;
  lowStart: number;
  highSum: number;
  lowSum: number;
  highCount: number;
  lowCount: number;
  pending: {
    direction: 'up' | 'down';
    crossedAt: number;
    label: number;
    /** Forecast errors and standardised errors summed since the crossing. */
    sum: number;
    zSum: number;
    count: number;
  } | null;
  relearnUntil: number;
  /** Target mode: an alarm was raised and the level has not yet come back to the target. */
  disarmed?: boolean;
}

export interface TrendCusumJson {
  readonly kind: 'trend-cusum';
  readonly formatVersion: 1;
  readonly options: TrendCusumOptions;
  readonly state: TrendCusumState;
}

/** Mean absolute deviation → standard deviation for normal errors. */
const SD_PER_MEAN_ABS = Math.sqrt(Math.PI / 2);
/** Level gain while re-learning after an alarm: the new regime is absorbed in about ten steps. */
const RELEARN_LEVEL_RATE = 0.1;

/**
 * Change detection for streams that are expected to move (training curves): a robust Holt
 * local-linear-trend model (or a local level) forecasts each value, and a two-sided CUSUM runs on the
 * one-step forecast errors, standardised by a tracked robust scale (heteroscedastic noise) and by
 * their long-run standard deviation on the reference (left-over autocorrelation). Ordinary progress
 * — a rising reward, a falling loss, schedule changes that bend the curve — is absorbed by the model;
 * an abrupt shift is not.
 *
 * An alarm is raised only when the CUSUM, having crossed h, is still above h `confirm` steps later and
 * the errors of those steps still exceed the allowance on average (the model is frozen meanwhile, so the change is not absorbed while it is being confirmed); the
 * detector then moves its level to the new regime and re-learns for `relearn` steps, so one change
 * gives one alarm. Confirmation only removes alarms, so the in-control ARL of raised alarms is at
 * least the CUSUM's (`cusumTwoSidedArl(h, k)`).
 */
export class TrendCusumDetector {
  private s: TrendCusumState;

  private constructor(
    private readonly options: TrendCusumOptions,
    state: TrendCusumState,
  ) {
    this.s = state;
  }

  /**
   * Fits the model on a trusted stretch of the stream (≥ 20 values): level and slope by least squares
   * on its start, then the filter run through all of it; the long-run sd of the standardised errors
   * over its second half (Bartlett window) becomes `inflation`. `arl` (in-control steps between false
   * alarms of this stream) sets h by the closed form, unless `h` is given.
   */
  static fit(
    values: readonly number[],
    options: Omit<TrendCusumOptions, 'h' | 'inflation'> & { arl?: number; h?: number },
  ): TrendCusumDetector {
    if (values.length < 20)
      throw new RangeError(`trend CUSUM needs at least 20 values, got ${values.length}`);
    const { arl, h: givenH, ...rest } = options;
    const k = rest.k ?? 0.5;
    const h = givenH ?? cusumThresholdForArl(arl ?? 100_000, k);
    const head = values.slice(0, Math.min(values.length, 50));
    const trended = (rest.trendRate ?? 0.1) > 0;
    const { intercept, slope } = trended ? leastSquaresLine(head) : { intercept: median(head), slope: 0 };
    const residuals = head.map((v, i) => v - intercept - slope * i);
    const mad = median(residuals.map((r) => Math.abs(r - median(residuals))));
    const scale = (1.4826 * mad) / SD_PER_MEAN_ABS || Math.abs(intercept) * 1e-3 || 1e-6;
    const detector = new TrendCusumDetector({ ...rest, h }, initialState(intercept - slope, slope, scale));
    const z: number[] = [];
    for (const v of values) z.push(detector.observeTrusted(v));
    const inflation = Math.max(1, Math.sqrt(longRunVariance(z.slice(Math.floor(z.length / 2)))));
    const fitted = new TrendCusumDetector({ ...rest, h, inflation }, detector.s);
    fitted.s.step = 0;
    return fitted;
  }

  get threshold(): number {
    return this.options.h;
  }

  /** In-control ARL of this detector's CUSUM (closed form; one side against a target). */
  get averageRunLength(): number {
    const k = this.options.k ?? 0.5;
    return this.options.target !== undefined
      ? cusumOneSidedArl(this.options.h, k)
      : cusumTwoSidedArl(this.options.h, k);
  }

  /** `label` names the observation in what the detector reports (the training step); default its index. */
  update(value: number, label = this.s.step): TrendCusumUpdate {
    const s = this.s;
    const step = s.step++;
    const k = this.options.k ?? 0.5;
    const h = this.options.h;
    const error = value - (s.level + s.trend);
    if (this.options.target !== undefined) return this.updateAgainstTarget(value, error, step, label);
    const z = this.standardise(error);
    if (step < s.relearnUntil) {
      this.adapt(error, Math.max(this.options.levelRate ?? 0.05, RELEARN_LEVEL_RATE));
      return { step: label, alarm: false, statistic: 0, z };
    }
    if (s.high === 0) {
      s.highStart = label;
      s.highSum = 0;
      s.highCount = 0;
    }
    if (s.low === 0) {
      s.lowStart = label;
      s.lowSum = 0;
      s.lowCount = 0;
    }
    s.high = Math.max(0, s.high + z - k);
    s.low = Math.max(0, s.low - z - k);
    s.highSum += error;
    s.highCount++;
    s.lowSum += error;
    s.lowCount++;
    const statistic = Math.max(s.high, s.low);
    if (!s.pending) {
      if (s.high > h || s.low > h) {
        s.pending = {
          direction: s.high > h ? 'up' : 'down',
          crossedAt: step,
          label,
          sum: error,
          zSum: 0,
          count: 1,
        };
      } else {
        this.adapt(error, this.options.levelRate ?? 0.05);
      }
      return { step: label, alarm: false, statistic, z };
    }
    // Confirming: the model stays frozen so the change is measured against the forecast before it.
    const pending = s.pending;
    pending.sum += error;
    pending.zSum += z;
    pending.count++;
    if (step - pending.crossedAt < (this.options.confirm ?? 5))
      return { step: label, alarm: false, statistic, z };
    const up = pending.direction === 'up';
    // The shift must last: still above h, and the errors after the crossing still beyond the allowance
    // on average (a one-off outlier burst that lifted the CUSUM over h is not a change).
    const after = (up ? pending.zSum : -pending.zSum) / (pending.count - 1);
    const held = (up ? s.high : s.low) > h && after > k;
    s.pending = null;
    if (!held) {
      // Not a change: that side starts afresh. A CUSUM started lower never crosses earlier, so this,
      // like confirmation itself, can only lengthen the in-control run length.
      if (up) s.high = 0;
      else s.low = 0;
      return { step: label, alarm: false, statistic, z };
    }
    const magnitude = up ? s.highSum / s.highCount : s.lowSum / s.lowCount;
    const update: TrendCusumUpdate = {
      step: label,
      alarm: true,
      changeStep: up ? s.highStart : s.lowStart,
      crossedAt: pending.label,
      direction: pending.direction,
      statistic: up ? s.high : s.low,
      magnitude,
      magnitudeSd: magnitude / this.sd(),
      z,
    };
    this.restart(pending.sum / pending.count, step);
    return update;
  }

  /**
   * Ends the current excursion as part of a change another stream confirmed: the model moves to the
   * new regime and re-learns, so this stream does not alarm again for the same change.
   */
  absorb(): void {
    const s = this.s;
    if (this.options.target !== undefined) {
      s.high = 0;
      s.pending = null;
      s.disarmed = true;
      s.relearnUntil = s.step + (this.options.relearn ?? 100);
      return;
    }
    const offset = s.pending ? s.pending.sum / s.pending.count : 0;
    this.restart(offset, s.step - 1);
  }

  /** Current CUSUM statistic (the larger side). */
  get statistic(): number {
    return Math.max(this.s.high, this.s.low);
  }

  /**
   * Target mode: the model adapts on every value (its scale stays the stream's noise); the up side of
   * the CUSUM takes (value − target)/sd, confirmation as in `update`, then one alarm until the
   * stream's level is back at or below the target.
   */
  private updateAgainstTarget(value: number, error: number, step: number, label: number): TrendCusumUpdate {
    const s = this.s;
    const k = this.options.k ?? 0.5;
    const h = this.options.h;
    const gap = value - this.options.target!;
    const z = this.standardise(gap);
    this.adapt(error, this.options.levelRate ?? 0.05);
    s.low = 0;
    if (s.disarmed) {
      if (step >= s.relearnUntil && s.level + s.trend <= this.options.target!) s.disarmed = false;
      return { step: label, alarm: false, statistic: 0, z };
    }
    if (s.high === 0) {
      s.highStart = label;
      s.highSum = 0;
      s.highCount = 0;
    }
    s.high = Math.max(0, s.high + z - k);
    s.highSum += gap;
    s.highCount++;
    if (!s.pending) {
      if (s.high > h) s.pending = { direction: 'up', crossedAt: step, label, sum: gap, zSum: 0, count: 1 };
      return { step: label, alarm: false, statistic: s.high, z };
    }
    const pending = s.pending;
    pending.sum += gap;
    pending.zSum += z;
    pending.count++;
    if (step - pending.crossedAt < (this.options.confirm ?? 5))
      return { step: label, alarm: false, statistic: s.high, z };
    const held = s.high > h && pending.zSum / (pending.count - 1) > k;
    s.pending = null;
    const statistic = s.high;
    if (!held) {
      s.high = 0;
      return { step: label, alarm: false, statistic, z };
    }
    const magnitude = s.highSum / s.highCount;
    s.high = 0;
    s.disarmed = true;
    // The model is thrown by the jump (Holt overshoots): it is not trusted to say the stream is back
    // under the target before it has re-learnt.
    s.relearnUntil = step + 1 + (this.options.relearn ?? 100);
    return {
      step: label,
      alarm: true,
      changeStep: s.highStart,
      crossedAt: pending.label,
      direction: 'up',
      statistic,
      magnitude,
      magnitudeSd: magnitude / this.sd(),
      z,
    };
  }

  private restart(offset: number, step: number): void {
    const s = this.s;
    s.level += offset;
    s.high = s.low = 0;
    s.highSum = s.lowSum = 0;
    s.highCount = s.lowCount = 0;
    s.pending = null;
    s.relearnUntil = step + 1 + (this.options.relearn ?? 100);
  }

  private observeTrusted(value: number): number {
    const error = value - (this.s.level + this.s.trend);
    const z = this.standardise(error);
    this.adapt(error, this.options.levelRate ?? 0.05);
    return z;
  }

  private sd(): number {
    return this.s.scale * SD_PER_MEAN_ABS * (this.options.inflation ?? 1);
  }

  private standardise(error: number): number {
    const clip = this.options.clip ?? 4;
    return Math.max(-clip, Math.min(clip, error / this.sd()));
  }

  /** Holt's error-correction update with a Huber-clipped error (one outlier moves the model by at most `clip` sd). */
  private adapt(error: number, levelRate: number): void {
    const s = this.s;
    const bound = (this.options.clip ?? 4) * this.sd();
    const e = Math.max(-bound, Math.min(bound, error));
    s.level += s.trend + levelRate * e;
    s.trend += levelRate * (this.options.trendRate ?? 0.1) * e;
    s.scale += (this.options.scaleRate ?? 0.01) * (Math.abs(e) - s.scale);
  }

  toJSON(): TrendCusumJson {
    return {
      kind: 'trend-cusum',
      formatVersion: 1,
      options: { ...this.options },
      state: { ...this.s, pending: this.s.pending ? { ...this.s.pending } : null },
    };
  }

  static fromJSON(json: TrendCusumJson): TrendCusumDetector {
    checkHeader(json, 'trend-cusum', 1);
    return new TrendCusumDetector(
      { ...json.options },
      { ...json.state, pending: json.state.pending ? { ...json.state.pending } : null },
    );
  }
}

function initialState(level: number, trend: number, scale: number): TrendCusumState {
  return {
    step: 0,
    level,
    trend,
    scale,
    high: 0,
    low: 0,
    highStart: 0,
    lowStart: 0,
    highSum: 0,
    lowSum: 0,
    highCount: 0,
    lowCount: 0,
    pending: null,
    relearnUntil: 0,
  };
}

function leastSquaresLine(values: readonly number[]): { intercept: number; slope: number } {
  const n = values.length;
  const meanX = (n - 1) / 2;
  const meanY = values.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  values.forEach((y, x) => {
    sxy += (x - meanX) * (y - meanY);
    sxx += (x - meanX) ** 2;
  });
  const slope = sxx > 0 ? sxy / sxx : 0;
  return { intercept: meanY - slope * meanX, slope };
}

/**
 * Long-run variance Σ_τ γ(τ) with Bartlett weights and the Newey–West lag 4(n/100)^(2/9): the variance
 * a CUSUM's sums actually have when consecutive errors are correlated.
 */
export function longRunVariance(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return 1;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const gamma = (lag: number) => {
    let sum = 0;
    for (let i = lag; i < n; i++) sum += (values[i] - mean) * (values[i - lag] - mean);
    return sum / n;
  };
  const lags = Math.min(n - 1, Math.floor(4 * Math.pow(n / 100, 2 / 9)));
  let variance = gamma(0);
  for (let lag = 1; lag <= lags; lag++) variance += 2 * (1 - lag / (lags + 1)) * gamma(lag);
  return Math.max(variance, 0);
}
