import { checkHeader } from '../serialization';

export interface ConformalCalibratorJson {
  readonly kind: 'conformal-calibrator';
  readonly formatVersion: 1;
  /** Held-out trusted scores, ascending. */
  readonly scores: number[];
}

/**
 * Split-conformal calibration: held-out trusted scores (never used to fit the detector) turn any
 * anomaly score into a p-value p(s) = (1 + #{cal ≥ s}) / (n + 1). Under exchangeability with the
 * clean stream, P(p ≤ α) ≤ α, so alarming at p ≤ α fixes the false-positive rate at about α.
 */
export class ConformalCalibrator {
  private sorted: Float64Array = new Float64Array(0);

  get size(): number {
    return this.sorted.length;
  }

  fit(heldOutScores: ArrayLike<number>): this {
    if (heldOutScores.length === 0) throw new Error('ConformalCalibrator: need at least one held-out score');
    for (let i = 0; i < heldOutScores.length; i++) {
      if (Number.isNaN(heldOutScores[i])) throw new Error('ConformalCalibrator: NaN score');
    }
    this.sorted = Float64Array.from(heldOutScores).sort();
    this.scale = undefined;
    return this;
  }

  pValue(score: number): number {
    const n = this.require();
    return (1 + n - this.firstAtLeast(score)) / (n + 1);
  }

  pValues(scores: ArrayLike<number>): Float64Array {
    return Float64Array.from(scores, (s) => this.pValue(s));
  }

  /**
   * A continuous, strictly decreasing p-value for ranking and fusion. Up to the largest calibration
   * score: the conformal p-value plus the fraction of the gap to the next lower calibration score that
   * `score` lies below the next higher one, times 1/(n+1); so it lies between the conformal p-value and
   * that plus 1/(n+1) (conservative), and scores that fall between the same two calibration scores no
   * longer tie (a fused score whose weight sits on one component would otherwise break those ties by
   * the noise of the others). Beyond the largest calibration score: 1/(n+1) times an exponential tail
   * whose scale is the mean excess of the top 10% (at least 5) of calibration scores over the next one
   * (the generalized-Pareto fit with shape 0, the peaks-over-threshold default). Conformal p-values
   * all stop at 1/(n+1), so scores beyond every calibration score would tie; this keeps them ranked.
   * Under the null such scores are rare (probability ≤ 1/(n+1)), so the false-positive rate at
   * α ≥ 1/(n+1) is unchanged.
   */
  tailPValue(score: number): number {
    const n = this.require();
    const max = this.sorted[n - 1];
    const floor = 1 / (n + 1);
    if (score > max) {
      const scale = this.tailScale();
      return scale > 0 ? floor * Math.exp(-(score - max) / scale) : floor;
    }
    const at = this.firstAtLeast(score);
    return (1 + n - at) * floor + this.gapFraction(score, at - 1, at) * floor;
  }

  /**
   * The tail p-value of one of this calibrator's own scores as if it had been held out of the set (the
   * leave-one-out value a new item at that score would get), for calibrating a statistic built from
   * such p-values against the calibration items themselves.
   */
  heldOutTailPValue(score: number): number {
    const n = this.require();
    const at = this.firstAtLeast(score);
    const floor = 1 / (n + 1);
    if (at >= n - 1) return floor;
    return (n - at) * floor + this.gapFraction(score, at - 1, at + 1) * floor;
  }

  tailPValues(scores: ArrayLike<number>): Float64Array {
    return Float64Array.from(scores, (s) => this.tailPValue(s));
  }

  /**
   * Score threshold for a chosen false-positive rate α: alarm when score > threshold, which is the
   * same as p ≤ α. Infinity when n is too small for α (fewer than 1/α − 1 held-out scores).
   */
  threshold(alpha: number): number {
    const n = this.require();
    const allowed = Math.floor(alpha * (n + 1)) - 1; // calibration scores allowed at or above an alarming score
    if (allowed < 0) return Infinity;
    const index = n - allowed - 1;
    return index < 0 ? -Infinity : this.sorted[index];
  }

  toJSON(): ConformalCalibratorJson {
    this.require();
    return { kind: 'conformal-calibrator', formatVersion: 1, scores: Array.from(this.sorted) };
  }

  static fromJSON(json: ConformalCalibratorJson): ConformalCalibrator {
    checkHeader(json, 'conformal-calibrator', 1);
    return new ConformalCalibrator().fit(json.scores);
  }

  private scale: number | undefined;

  private tailScale(): number {
    if (this.scale !== undefined) return this.scale;
    const n = this.sorted.length;
    const k = Math.min(n - 1, Math.max(5, Math.ceil(0.1 * n)));
    let excess = 0;
    if (k > 0) {
      const threshold = this.sorted[n - 1 - k];
      for (let i = n - k; i < n; i++) excess += this.sorted[i] - threshold;
      excess /= k;
    }
    this.scale = Number.isFinite(excess) ? excess : 0;
    return this.scale;
  }

  /** Index of the first calibration score ≥ score (n if none). */
  private firstAtLeast(score: number): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sorted[mid] < score) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Where score lies below sorted[above] towards sorted[below], in [0, 1] (0 without a lower neighbour). */
  private gapFraction(score: number, below: number, above: number): number {
    if (below < 0 || above >= this.sorted.length) return 0;
    const gap = this.sorted[above] - this.sorted[below];
    return gap > 0 ? Math.min(1, Math.max(0, (this.sorted[above] - score) / gap)) : 0;
  }

  private require(): number {
    if (this.sorted.length === 0) throw new Error('ConformalCalibrator: call fit() or fromJSON() first');
    return this.sorted.length;
  }
}
