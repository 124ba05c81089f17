import { checkHeader, decodeArray, encodeArray, type EncodedArray } from '../serialization';
import { ConformalCalibrator, type ConformalCalibratorJson } from './conformal-calibrator';
import {
  batchEvidence,
  fusePValues,
  isAdaptiveFusion,
  pooledEvidence,
  weightsFromEvidence,
  type FusionEvidence,
  type FusionMethod,
} from './fusion';

export interface FusedCalibrationJson {
  readonly kind: 'fused-calibration';
  readonly formatVersion: 1;
  readonly method: FusionMethod;
  readonly components: number;
  readonly items: number;
  /** Leave-one-out component p-values of the calibration items, component-major. */
  readonly calibrationPValues: EncodedArray;
}

export interface FusedScores {
  /** Per component, the tail p-value of each item. */
  readonly pValues: Float64Array[];
  /** Fusion weights used (equal unless the method is adaptive). */
  readonly weights: Float64Array;
  /** This batch's own evidence (small p-values per component), for a stream to pool over its batches. */
  readonly evidence: FusionEvidence;
  /** Fused p-value before the second calibration. */
  readonly fused: Float64Array;
  /** −log fused p: the fused score (larger is more anomalous). */
  readonly statistic: Float64Array;
  /** Conformal p-value of the statistic against the calibration items fused the same way. */
  readonly pValue: Float64Array;
}

/**
 * Fused p-values calibrated once more: per-component p-values are fused (Fisher, min-p Šidák,
 * Cauchy, or Cauchy with batch-adaptive weights), and the fused value is turned into a conformal
 * p-value against the calibration items fused the same way (same weights), so dependence between
 * layers cannot inflate the false-positive rate. Calibration items get leave-one-out component
 * p-values, as a new item would. Items use tail p-values (they keep ranking beyond 1/(n+1)), so the
 * strongest layer's order survives the fusion.
 */
export class FusedCalibration {
  private constructor(
    readonly method: FusionMethod,
    private readonly calibrationPValues: Float64Array[],
    private readonly fixed: ConformalCalibrator | undefined,
  ) {}

  static fit(
    componentCalScores: readonly ArrayLike<number>[],
    calibrators: readonly ConformalCalibrator[],
    method: FusionMethod,
  ): FusedCalibration {
    const pValues = componentCalScores.map((scores, c) =>
      Float64Array.from(scores, (s) => calibrators[c].heldOutTailPValue(s)),
    );
    return new FusedCalibration(method, pValues, undefined);
  }

  score(
    componentScores: readonly ArrayLike<number>[],
    calibrators: readonly ConformalCalibrator[],
  ): FusedScores {
    return this.scorePValues(componentScores.map((s, c) => calibrators[c].tailPValues(s)));
  }

  /**
   * The same from per-component item p-values already computed, for components calibrated per batch
   * (a batch-dependent score such as QUE gets its p-values from calibration rows scored alongside).
   * `prior` is the evidence of the stream's earlier batches, pooled into the adaptive weights.
   */
  scorePValues(pValues: readonly Float64Array[], prior?: FusionEvidence): FusedScores {
    const evidence = batchEvidence(pValues);
    const weights = isAdaptiveFusion(this.method)
      ? weightsFromEvidence(pooledEvidence([prior, evidence]))
      : new Float64Array(pValues.length).fill(1 / pValues.length);
    const fused = fusePValues(pValues, this.method, weights);
    const statistic = Float64Array.from(fused, fusedStatistic);
    const calibrator =
      this.fixed ??
      new ConformalCalibrator().fit(
        Float64Array.from(fusePValues(this.calibrationPValues, this.method, weights), fusedStatistic),
      );
    return {
      pValues: [...pValues],
      weights,
      evidence,
      fused,
      statistic,
      pValue: calibrator.pValues(statistic),
    };
  }

  toJSON(): FusedCalibrationJson {
    if (this.fixed) throw new Error('FusedCalibration: a legacy fixed calibration is not written back');
    const items = this.calibrationPValues[0]?.length ?? 0;
    const flat = new Float32Array(items * this.calibrationPValues.length);
    this.calibrationPValues.forEach((p, c) => flat.set(p, c * items));
    return {
      kind: 'fused-calibration',
      formatVersion: 1,
      method: this.method,
      components: this.calibrationPValues.length,
      items,
      calibrationPValues: encodeArray(flat),
    };
  }

  static fromJSON(json: FusedCalibrationJson): FusedCalibration {
    checkHeader(json, 'fused-calibration', 1);
    const flat = decodeArray(json.calibrationPValues, json.components * json.items);
    const pValues = Array.from({ length: json.components }, (_, c) =>
      Float64Array.from(flat.subarray(c * json.items, (c + 1) * json.items)),
    );
    return new FusedCalibration(json.method, pValues, undefined);
  }

  /** A baseline stored before fused calibrations kept their items: a fixed calibrator, equal weights. */
  static legacy(method: FusionMethod, calibration: ConformalCalibratorJson): FusedCalibration {
    return new FusedCalibration(method, [], ConformalCalibrator.fromJSON(calibration));
  }
}

/** The previous API: a fixed conformal calibrator of the equally weighted fused statistic. */
export function fitFusedCalibrator(
  componentCalScores: readonly ArrayLike<number>[],
  calibrators: readonly ConformalCalibrator[],
  method: FusionMethod,
): ConformalCalibrator {
  const fused = FusedCalibration.fit(componentCalScores, calibrators, method).toJSON();
  const flat = decodeArray(fused.calibrationPValues);
  const pValues = Array.from({ length: fused.components }, (_, c) =>
    flat.subarray(c * fused.items, (c + 1) * fused.items),
  );
  return new ConformalCalibrator().fit(Float64Array.from(fusePValues(pValues, method), fusedStatistic));
}

/** Larger is more anomalous, as the calibrator expects. */
export function fusedStatistic(fusedP: number): number {
  return -Math.log(Math.max(fusedP, Number.MIN_VALUE));
}
