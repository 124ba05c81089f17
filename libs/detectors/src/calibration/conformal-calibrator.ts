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
    return this;
  }

  pValue(score: number): number {
    const n = this.require();
    // Number of calibration scores ≥ score = n − (first index with sorted[i] ≥ score).
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sorted[mid] < score) lo = mid + 1;
      else hi = mid;
    }
    return (1 + n - lo) / (n + 1);
  }

  pValues(scores: ArrayLike<number>): Float64Array {
    return Float64Array.from(scores, (s) => this.pValue(s));
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

  private require(): number {
    if (this.sorted.length === 0) throw new Error('ConformalCalibrator: call fit() or fromJSON() first');
    return this.sorted.length;
  }
}
