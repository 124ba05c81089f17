/** Generalized-Pareto parameters of the exceedances y = s − u over a threshold u. */
export interface ParetoFit {
  /** ξ: > 0 heavy tail, 0 exponential, < 0 bounded (endpoint u − σ/ξ). */
  shape: number;
  scale: number;
  logLikelihood: number;
}

export interface ParetoTailOptions {
  /** Share of the calibration scores taken as the tail (default 0.1). */
  tailFraction?: number;
  /** Fewest exceedances a fit is made from (default 10). */
  minExceedances?: number;
}

/** ξ is kept above this: below −1/2 the maximum-likelihood estimator is irregular (Smith 1985). */
const MIN_SHAPE = -0.5;

/** ln f(y) summed for the generalized Pareto with shape ξ and scale σ (location 0). */
function logLikelihood(y: readonly number[], shape: number, scale: number): number {
  let sum = 0;
  for (const v of y) {
    if (Math.abs(shape) < 1e-12) {
      sum += -Math.log(scale) - v / scale;
      continue;
    }
    const t = 1 + (shape * v) / scale;
    if (t <= 0) return -Infinity;
    sum += -Math.log(scale) - (1 + 1 / shape) * Math.log(t);
  }
  return sum;
}

/**
 * Maximum-likelihood generalized-Pareto fit with location 0, by Grimshaw's (1993) reduction to one
 * dimension: for θ = ξ/σ the likelihood is maximised by ξ(θ) = mean ln(1 + θy), σ = ξ/θ, so the
 * profile ℓ(θ) = −n ln(ξ(θ)/θ) − n(1 + ξ(θ)) is searched on a grid and refined by golden section.
 * Written here because no maintained npm package fits it (checked against scipy.stats.genpareto.fit).
 */
export function fitGeneralizedPareto(exceedances: readonly number[]): ParetoFit {
  const y = exceedances.filter((v) => v >= 0);
  if (y.length < 2) throw new RangeError('a generalized-Pareto fit needs at least two exceedances');
  const n = y.length;
  const mean = y.reduce((a, b) => a + b, 0) / n;
  const max = Math.max(...y);
  if (!(mean > 0)) return { shape: 0, scale: Number.MIN_VALUE, logLikelihood: Infinity };
  const xiOf = (theta: number) => y.reduce((a, v) => a + Math.log1p(theta * v), 0) / n;
  const profile = (theta: number) => {
    if (Math.abs(theta) < 1e-12 / mean) return -n * Math.log(mean) - n;
    if (theta * max <= -1) return -Infinity;
    const xi = xiOf(theta);
    if (xi < MIN_SHAPE) return -Infinity;
    return -n * Math.log(xi / theta) - n * (1 + xi);
  };
  // θ·ȳ from −ȳ/max (the bounded-support edge) up to 1e3 (ξ of several units): log-spaced each side.
  const grid: number[] = [0];
  for (let i = 1; i <= 200; i++) {
    grid.push((-1 / max) * (1 - Math.pow(10, -6 * (i / 200))));
    grid.push(Math.pow(10, -6 + 9 * (i / 200)) / mean);
  }
  grid.sort((a, b) => a - b);
  let best = 0;
  for (let i = 1; i < grid.length; i++) if (profile(grid[i]) > profile(grid[best])) best = i;
  let lo = grid[Math.max(0, best - 1)];
  let hi = grid[Math.min(grid.length - 1, best + 1)];
  const golden = (Math.sqrt(5) - 1) / 2;
  for (let i = 0; i < 200 && hi - lo > 1e-14 * Math.max(1, Math.abs(lo)); i++) {
    const a = hi - golden * (hi - lo);
    const b = lo + golden * (hi - lo);
    if (profile(a) >= profile(b)) hi = b;
    else lo = a;
  }
  const theta = (lo + hi) / 2;
  const exponential = Math.abs(theta) < 1e-12 / mean;
  const shape = exponential ? 0 : xiOf(theta);
  const scale = exponential ? mean : shape / theta;
  return { shape, scale, logLikelihood: logLikelihood(y, shape, scale) };
}

/** P(Y > y) of the generalized Pareto (location 0). */
export function generalizedParetoSf(y: number, shape: number, scale: number): number {
  if (y <= 0) return 1;
  if (Math.abs(shape) < 1e-12) return Math.exp(-y / scale);
  const t = 1 + (shape * y) / scale;
  return t <= 0 ? 0 : Math.pow(t, -1 / shape);
}

/**
 * Tail p-values that keep ranking beyond the conformal floor 1/(n+1): the largest calibration scores
 * are fitted by a generalized Pareto over the threshold u (the peaks-over-threshold method; Pickands–
 * Balkema–de Haan), and a score s > u gets p(s) = (m + 1)/(n + 1) · P(Y > s − u), m the exceedances.
 * At or below u the conformal p-value stands (it is exact there). A fitted ξ below 0 is raised to 0.
 */
export class ParetoTail {
  private constructor(
    readonly threshold: number,
    readonly fit: ParetoFit,
    private readonly tailShare: number,
  ) {}

  /** Undefined when the calibration set is too small for a tail fit (fewer than 2 × minExceedances). */
  static fromScores(
    calibrationScores: readonly number[],
    options: ParetoTailOptions = {},
  ): ParetoTail | undefined {
    const n = calibrationScores.length;
    const minimum = options.minExceedances ?? 10;
    const m = Math.max(minimum, Math.ceil((options.tailFraction ?? 0.1) * n));
    if (n < 2 * minimum || m >= n) return undefined;
    const sorted = [...calibrationScores].sort((a, b) => b - a);
    const threshold = sorted[m];
    const exceedances = sorted.slice(0, m).map((s) => s - threshold);
    const mle = fitGeneralizedPareto(exceedances);
    if (!Number.isFinite(mle.logLikelihood)) return undefined;
    // ξ̂ < 0 puts an endpoint on the scores, beyond which p = 0: but a score past the trusted range is
    // exactly what is being judged. The tail is never taken lighter than exponential (ξ = 0, σ the
    // mean exceedance, its MLE), which is conservative for light tails and keeps ranking.
    const mean = exceedances.reduce((a, b) => a + b, 0) / m;
    const fit = mle.shape >= 0 ? mle : { shape: 0, scale: mean, logLikelihood: -m * Math.log(mean) - m };
    return new ParetoTail(threshold, fit, (m + 1) / (n + 1));
  }

  /** The tail p-value of `score`, or `conformal` (the calibrator's p) where it is exact. */
  pValue(score: number, conformal: number): number {
    if (!(score > this.threshold)) return conformal;
    return Math.min(
      conformal,
      this.tailShare * generalizedParetoSf(score - this.threshold, this.fit.shape, this.fit.scale),
    );
  }
}
