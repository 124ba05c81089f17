import { checkHeader } from '../serialization';
import { type ChangePointUpdate } from './change-point';

export interface PageHinkleyOptions {
  /** Magnitude of change tolerated (δ) and alarm threshold (λ), in the signal's units. */
  delta?: number;
  lambda?: number;
  /** Observations before alarms may fire (the running mean needs a few values). */
  minSteps?: number;
}

export interface PageHinkleyJson {
  readonly kind: 'page-hinkley';
  readonly formatVersion: 1;
  readonly options: PageHinkleyOptions;
  readonly state: {
    step: number;
    count: number;
    mean: number;
    up: number;
    upMin: number;
    upMinStep: number;
    down: number;
    downMax: number;
    downMaxStep: number;
  };
}

/**
 * Page–Hinkley test, both directions: m_t = Σ (x − x̄_t − δ) against its running minimum (upward
 * shifts) and Σ (x − x̄_t + δ) against its running maximum (downward); alarms when the gap exceeds
 * λ, reports the step after the extremum as the change, and restarts.
 */
export class PageHinkleyDetector {
  private step = 0;
  private count = 0;
  private mean = 0;
  private up = 0;
  private upMin = 0;
  private upMinStep = 0;
  private down = 0;
  private downMax = 0;
  private downMaxStep = 0;

  constructor(private readonly options: PageHinkleyOptions = {}) {}

  update(value: number): ChangePointUpdate {
    const step = this.step++;
    const delta = this.options.delta ?? 0.005;
    const lambda = this.options.lambda ?? 50;
    this.count++;
    this.mean += (value - this.mean) / this.count;
    this.up += value - this.mean - delta;
    this.down += value - this.mean + delta;
    if (this.up < this.upMin) {
      this.upMin = this.up;
      this.upMinStep = step;
    }
    if (this.down > this.downMax) {
      this.downMax = this.down;
      this.downMaxStep = step;
    }
    const upGap = this.up - this.upMin;
    const downGap = this.downMax - this.down;
    const statistic = Math.max(upGap, downGap);
    if (this.count >= (this.options.minSteps ?? 30) && statistic > lambda) {
      const direction = upGap > lambda ? 'up' : 'down';
      const changeStep = (direction === 'up' ? this.upMinStep : this.downMaxStep) + 1;
      this.count = 0;
      this.mean = 0;
      this.up = this.upMin = this.down = this.downMax = 0;
      this.upMinStep = this.downMaxStep = step;
      return { step, alarm: true, changeStep, direction, statistic };
    }
    return { step, alarm: false, statistic };
  }

  toJSON(): PageHinkleyJson {
    const { step, count, mean, up, upMin, upMinStep, down, downMax, downMaxStep } = this;
    return {
      kind: 'page-hinkley',
      formatVersion: 1,
      options: this.options,
      state: { step, count, mean, up, upMin, upMinStep, down, downMax, downMaxStep },
    };
  }

  static fromJSON(json: PageHinkleyJson): PageHinkleyDetector {
    checkHeader(json, 'page-hinkley', 1);
    const d = new PageHinkleyDetector(json.options);
    Object.assign(d, json.state);
    return d;
  }
}
