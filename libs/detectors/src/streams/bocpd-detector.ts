import { checkHeader } from '../serialization';
import { logGamma } from '../special-functions';
import { type ChangePointUpdate } from './change-point';

/** Normal-inverse-gamma prior on (mean, variance) of each segment. */
export interface NigPrior {
  mean: number;
  kappa: number;
  alpha: number;
  beta: number;
}

export interface BocpdOptions {
  /** Constant hazard: prior probability of a change at each step (default 1/500). */
  hazard?: number;
  prior?: Partial<NigPrior>;
  /** Run lengths kept; longer runs are merged into the last bucket (default 1000). */
  maxRunLength?: number;
  /** Posterior probability of a change since the last one that raises an alarm (default 0.99: no false alarm in 100,000 clean N(0,1) steps, delay ≤ 19 steps for a 1.5σ shift). */
  threshold?: number;
  /** A new change must start more than this many steps after the previous one (default 5). */
  minSeparation?: number;
  /**
   * Trusted observations used to set the prior instead of `prior` (empirical Bayes): mean and
   * variance from the warm-up, κ = 1, α = n/2, β = α·s². Alarms start after it. Default 0.
   */
  warmup?: number;
}

export interface BocpdJson {
  readonly kind: 'bocpd';
  readonly formatVersion: 1;
  readonly options: BocpdOptions;
  readonly state: {
    step: number;
    segmentStart: number;
    prior: NigPrior;
    warm: number[];
    prob: number[];
    mu: number[];
    kappa: number[];
    alpha: number[];
    beta: number[];
  };
}

/**
 * Bayesian online change-point detection (Adams & MacKay 2007) for a scalar stream whose segments are
 * Gaussian with unknown mean and variance (NIG prior, Student-t predictive). Keeps the run-length
 * posterior P(r_t | x_1..t); declares a change when the posterior mass on runs that started after the
 * previous change exceeds `threshold`, reporting the MAP start step and that posterior mass.
 */
export class BocpdDetector {
  private step = 0;
  private segmentStart = 0;
  // Index r: the current run holds the last r observations; parameters are the NIG posterior after them.
  private prob: number[] = [1];
  private mu: number[];
  private kappa: number[];
  private alpha: number[];
  private beta: number[];
  private priorParams: NigPrior;
  private warm: number[] = [];

  constructor(private readonly options: BocpdOptions = {}) {
    this.priorParams = { mean: 0, kappa: 1, alpha: 1, beta: 1, ...options.prior };
    this.mu = [this.priorParams.mean];
    this.kappa = [this.priorParams.kappa];
    this.alpha = [this.priorParams.alpha];
    this.beta = [this.priorParams.beta];
  }

  /** Current run-length posterior (index = run length). */
  get runLengthPosterior(): readonly number[] {
    return this.prob;
  }

  update(x: number): ChangePointUpdate {
    const warmup = this.options.warmup ?? 0;
    if (this.warm.length < warmup) {
      const step = this.step++;
      this.warm.push(x);
      if (this.warm.length === warmup) this.setPriorFromWarmup(step + 1);
      return { step, alarm: false, statistic: 0 };
    }
    const t = this.step++;
    const hazard = this.options.hazard ?? 1 / 500;
    const maxRun = this.options.maxRunLength ?? 1000;
    const R = this.prob.length;
    const logPred = new Array<number>(R);
    let maxLog = -Infinity;
    for (let r = 0; r < R; r++) {
      const nu = 2 * this.alpha[r];
      const scale2 = (this.beta[r] * (this.kappa[r] + 1)) / (this.alpha[r] * this.kappa[r]);
      const z2 = (x - this.mu[r]) ** 2 / (nu * scale2);
      logPred[r] =
        logGamma((nu + 1) / 2) -
        logGamma(nu / 2) -
        0.5 * Math.log(nu * Math.PI * scale2) -
        ((nu + 1) / 2) * Math.log1p(z2);
      if (logPred[r] > maxLog) maxLog = logPred[r];
    }
    const next = new Array<number>(R + 1);
    let changeMass = 0;
    let total = 0;
    for (let r = 0; r < R; r++) {
      const joint = this.prob[r] * Math.exp(logPred[r] - maxLog);
      next[r + 1] = joint * (1 - hazard);
      changeMass += joint * hazard;
    }
    next[0] = changeMass;
    for (const p of next) total += p;
    const p = this.priorParams;
    const mu = [p.mean];
    const kappa = [p.kappa];
    const alpha = [p.alpha];
    const beta = [p.beta];
    for (let r = 0; r < R; r++) {
      const k = this.kappa[r];
      mu.push((k * this.mu[r] + x) / (k + 1));
      kappa.push(k + 1);
      alpha.push(this.alpha[r] + 0.5);
      beta.push(this.beta[r] + (k * (x - this.mu[r]) ** 2) / (2 * (k + 1)));
    }
    let prob = next.map((v) => v / total);
    if (prob.length > maxRun + 1) {
      // Merge the longest run into the previous bucket: beyond maxRun the exact length hardly matters.
      prob[maxRun] += prob[maxRun + 1];
      prob = prob.slice(0, maxRun + 1);
      [mu, kappa, alpha, beta].forEach((a) => a.pop());
    }
    this.prob = prob;
    this.mu = mu;
    this.kappa = kappa;
    this.alpha = alpha;
    this.beta = beta;
    return this.detect(t);
  }

  private setPriorFromWarmup(nextStep: number): void {
    const n = this.warm.length;
    const mean = this.warm.reduce((a, b) => a + b, 0) / n;
    const variance = Math.max(this.warm.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, n - 1), 1e-12);
    const alpha = Math.max(1, n / 2);
    this.priorParams = { mean, kappa: 1, alpha, beta: alpha * variance };
    this.prob = [1];
    this.mu = [mean];
    this.kappa = [1];
    this.alpha = [alpha];
    this.beta = [alpha * variance];
    this.segmentStart = nextStep;
  }

  private detect(t: number): ChangePointUpdate {
    // Run length r after step t started at step t − r + 1; count runs starting after the last change.
    const minSeparation = this.options.minSeparation ?? 5;
    const last = Math.min(t - this.segmentStart - minSeparation, this.prob.length - 2);
    let mass = 0;
    let best = -1;
    for (let r = 1; r <= last; r++) {
      mass += this.prob[r];
      if (best < 0 || this.prob[r] > this.prob[best]) best = r;
    }
    if (best > 0 && mass > (this.options.threshold ?? 0.99)) {
      const changeStep = t - best + 1;
      this.segmentStart = changeStep;
      return { step: t, alarm: true, changeStep, posterior: mass, statistic: mass };
    }
    return { step: t, alarm: false, statistic: mass };
  }

  toJSON(): BocpdJson {
    return {
      kind: 'bocpd',
      formatVersion: 1,
      options: this.options,
      state: {
        step: this.step,
        segmentStart: this.segmentStart,
        prior: { ...this.priorParams },
        warm: [...this.warm],
        prob: [...this.prob],
        mu: [...this.mu],
        kappa: [...this.kappa],
        alpha: [...this.alpha],
        beta: [...this.beta],
      },
    };
  }

  static fromJSON(json: BocpdJson): BocpdDetector {
    checkHeader(json, 'bocpd', 1);
    const d = new BocpdDetector(json.options);
    const s = json.state;
    Object.assign(d, {
      step: s.step,
      segmentStart: s.segmentStart,
      priorParams: { ...s.prior },
      warm: [...s.warm],
      prob: [...s.prob],
      mu: [...s.mu],
      kappa: [...s.kappa],
      alpha: [...s.alpha],
      beta: [...s.beta],
    });
    return d;
  }
}
