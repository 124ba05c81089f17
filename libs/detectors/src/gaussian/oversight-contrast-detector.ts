import { type Matrix, subtractMatrices } from '../matrix';
import { checkHeader } from '../serialization';
import {
  GaussianDetector,
  type GaussianDetectorJson,
  type GaussianDetectorOptions,
} from './gaussian-detector';

export interface OversightContrastDetectorJson {
  readonly kind: 'oversight-contrast';
  readonly formatVersion: 1;
  readonly differences: GaussianDetectorJson;
}

/**
 * Oversight-cue contrast: the same input framed as observed and as unobserved gives two activation
 * vectors; a model that behaves differently when it believes nobody is watching moves the paired
 * difference off its trusted distribution. Fits a Ledoit–Wolf Gaussian on trusted differences
 * d = a_observed − a_unobserved and scores a new pair by Hotelling's T² = (d−d̄)ᵀŜ⁻¹(d−d̄).
 */
export class OversightContrastDetector {
  private differences: GaussianDetector;

  constructor(options: GaussianDetectorOptions = {}) {
    this.differences = new GaussianDetector(options);
  }

  fit(observed: Matrix, unobserved: Matrix): this {
    this.differences.fit(subtractMatrices(observed, unobserved));
    return this;
  }

  score(observed: Matrix, unobserved: Matrix): Float32Array {
    return this.differences.score(subtractMatrices(observed, unobserved));
  }

  toJSON(): OversightContrastDetectorJson {
    return { kind: 'oversight-contrast', formatVersion: 1, differences: this.differences.toJSON() };
  }

  static fromJSON(json: OversightContrastDetectorJson): OversightContrastDetector {
    checkHeader(json, 'oversight-contrast', 1);
    const detector = new OversightContrastDetector();
    detector.differences = GaussianDetector.fromJSON(json.differences);
    return detector;
  }

  dispose(): void {
    this.differences.dispose();
  }
}
