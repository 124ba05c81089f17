// Special functions for p-values, in float64. Accurate to ~1e-12 relative in the ranges used.

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularised upper incomplete gamma Q(a, x) = Γ(a, x)/Γ(a). */
export function gammaQ(a: number, x: number): number {
  return Math.exp(logGammaQ(a, x));
}

/** ln Q(a, x), finite far in the tail where Q itself underflows (x up to ~1e300). */
export function logGammaQ(a: number, x: number): number {
  if (x <= 0) return 0;
  if (x < a + 1) return Math.log1p(-gammaPSeries(a, x));
  return logGammaQContinuedFraction(a, x);
}

function gammaPSeries(a: number, x: number): number {
  let sum = 1 / a;
  let term = sum;
  for (let n = 1; n < 1000; n++) {
    term *= x / (a + n);
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
  }
  return sum * Math.exp(-x + a * Math.log(x) - logGamma(a));
}

function logGammaQContinuedFraction(a: number, x: number): number {
  // Modified Lentz evaluation of the continued fraction for Γ(a, x).
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return -x + a * Math.log(x) - logGamma(a) + Math.log(h);
}

/** Survival function of the chi-square distribution. */
export function chiSquareSf(x: number, dof: number): number {
  return Math.exp(logChiSquareSf(x, dof));
}

/**
 * ln P(X > x) for X ~ χ²(dof). Even dof use the exact finite sum P = e^(−x/2) Σ_{j<dof/2} (x/2)^j / j!
 * (a Poisson CDF) in log space; other dof the incomplete gamma. The one chi-square tail of the project
 * (Fisher combination, curation rates, incident severity).
 */
export function logChiSquareSf(x: number, dof: number): number {
  if (!(dof > 0)) throw new RangeError(`degrees of freedom must be positive, got ${dof}`);
  if (Number.isNaN(x)) throw new RangeError('chi-square statistic must be a number, got NaN');
  if (x <= 0) return 0;
  if (!Number.isInteger(dof) || dof % 2 !== 0) return Math.min(0, logGammaQ(dof / 2, x / 2));
  const half = x / 2;
  const logHalf = Math.log(half);
  // ln of (x/2)^j / j!, built incrementally; summed with the largest term factored out.
  const logTerms: number[] = [0];
  for (let j = 1; j < dof / 2; j++) logTerms.push(logTerms[j - 1] + logHalf - Math.log(j));
  const max = Math.max(...logTerms);
  let sum = 0;
  for (const t of logTerms) sum += Math.exp(t - max);
  // A CDF is at most 1: clamp the rounding that could push it above.
  return Math.min(0, -half + max + Math.log(sum));
}

/**
 * ln P(X ≥ k) for X ~ Binomial(n, p). Sums the upper-tail terms themselves in log space (the
 * complement 1 − CDF loses everything below ~1e-16); when k lies below the mean the lower tail is
 * the small side and the result is log1p(−P(X < k)).
 */
export function logBinomialSf(k: number, n: number, p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`probability must lie in [0, 1], got ${p}`);
  if (!Number.isInteger(k) || !Number.isInteger(n) || n < 0)
    throw new RangeError(`k and n must be integers with n ≥ 0, got k=${k}, n=${n}`);
  if (k <= 0) return 0;
  if (k > n || p === 0) return -Infinity;
  if (p === 1) return 0;
  const logPmf = (i: number) =>
    logGamma(n + 1) - logGamma(i + 1) - logGamma(n - i + 1) + i * Math.log(p) + (n - i) * Math.log1p(-p);
  const logSum = (from: number, to: number) => {
    let max = -Infinity;
    const terms: number[] = [];
    for (let i = from; i <= to; i++) {
      const t = logPmf(i);
      terms.push(t);
      if (t > max) max = t;
      // Past the mode the terms only fall: beyond e^-60 of the largest they no longer change the sum.
      if (t < max - 60 && i > n * p) break;
    }
    let sum = 0;
    for (const t of terms) sum += Math.exp(t - max);
    return max + Math.log(sum);
  };
  if (k > n * p) return Math.min(0, logSum(k, n));
  return Math.log1p(-Math.min(1, Math.exp(logSum(0, k - 1))));
}

/** P(X ≥ k) for X ~ Binomial(n, p); see logBinomialSf. */
export function binomialSf(k: number, n: number, p: number): number {
  return Math.exp(logBinomialSf(k, n, p));
}

/** Complementary error function via Q(½, x²). */
export function erfc(x: number): number {
  return x >= 0 ? gammaQ(0.5, x * x) : 2 - gammaQ(0.5, x * x);
}

export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/** P(K > λ) for the Kolmogorov limit distribution. */
export function kolmogorovSf(lambda: number): number {
  if (lambda <= 0) return 1;
  if (lambda < 0.2) return 1;
  let sum = 0;
  for (let k = 1; k < 200; k++) {
    const term = Math.exp(-2 * k * k * lambda * lambda);
    sum += (k % 2 === 1 ? 1 : -1) * term;
    if (term < 1e-17) break;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

/** Chi-square quantile by the Wilson–Hilferty approximation (good to ~1% for dof ≥ 3). */
export function chiSquareQuantileApprox(p: number, dof: number): number {
  const z = normalQuantile(p);
  const a = 2 / (9 * dof);
  return dof * (1 - a + z * Math.sqrt(a)) ** 3;
}

/** Standard normal quantile (Acklam's rational approximation, |error| < 1.2e-9 after one Newton step). */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x =
      (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
      (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x =
      -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  const e = 0.5 * erfc(-x / Math.SQRT2) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

export function median(values: ArrayLike<number>): number {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  if (n === 0) return NaN;
  return n % 2 === 1 ? sorted[(n - 1) / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
}

/** Median absolute deviation scaled by 1.4826 to estimate σ under normality. */
export function scaledMad(values: ArrayLike<number>, centre = median(values)): number {
  return 1.4826 * median(Float64Array.from(values, (v) => Math.abs(v - centre)));
}
