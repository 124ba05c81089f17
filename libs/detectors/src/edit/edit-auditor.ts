import { type Matrix } from '../matrix';
import { symmetricEigen } from '../linalg/symmetric-eigen';
import { checkHeader } from '../serialization';
import { median, scaledMad } from '../special-functions';

/** A parameter edit: per-layer dense deltas (low-rank factors can be multiplied out by the caller). */
export interface ParameterEdit {
  readonly layers: ReadonlyArray<{ readonly layer: string; readonly delta: Matrix }>;
}

export interface EditFeatures {
  /** Frobenius norm of the whole delta. */
  readonly norm: number;
  /** exp(entropy of normalised singular values) of the layer carrying most of the norm (Roy & Vetterli 2007). */
  readonly effectiveRank: number;
  /** Share of ‖Δ‖² in the single most-changed layer (1 = perfectly local). */
  readonly locality: number;
  readonly layers: string[];
}

export interface EditAudit {
  readonly features: EditFeatures;
  /** Robust z-scores (median/MAD over trusted edits) of log norm, effective rank and locality. */
  readonly z: { logNorm: number; effectiveRank: number; locality: number };
  /** Layers this edit touches that no trusted edit touched. */
  readonly unseenLayers: string[];
  /** max |z|, plus a fixed penalty of 10 per unseen layer: calibrate it conformally like any score. */
  readonly score: number;
}

export interface EditAuditorJson {
  readonly kind: 'edit-auditor';
  readonly formatVersion: 1;
  readonly reference: {
    logNorm: [number, number];
    effectiveRank: [number, number];
    locality: [number, number];
    layers: string[];
  };
}

/**
 * Audits parameter edits against trusted ones: an edit that transmits a hidden objective tends to be
 * larger, higher-rank or more spread across layers than routine fine-tuning or editing steps.
 */
export class EditAuditor {
  private reference: EditAuditorJson['reference'] | undefined;

  static features(edit: ParameterEdit): EditFeatures {
    if (edit.layers.length === 0) throw new Error('EditAuditor: edit has no layers');
    const squaredNorms = edit.layers.map(({ delta }) => delta.data.reduce((a, v) => a + v * v, 0));
    const total = squaredNorms.reduce((a, b) => a + b, 0);
    const main = squaredNorms.indexOf(Math.max(...squaredNorms));
    return {
      norm: Math.sqrt(total),
      effectiveRank: effectiveRank(edit.layers[main].delta),
      locality: total > 0 ? squaredNorms[main] / total : 1,
      layers: edit.layers.map((l) => l.layer),
    };
  }

  fit(trusted: readonly ParameterEdit[]): this {
    if (trusted.length < 3) throw new Error('EditAuditor: need at least 3 trusted edits');
    const features = trusted.map((e) => EditAuditor.features(e));
    const stats = (values: number[]): [number, number] => {
      const centre = median(values);
      return [centre, Math.max(scaledMad(values, centre), 1e-6 * Math.max(1, Math.abs(centre)))];
    };
    this.reference = {
      logNorm: stats(features.map((f) => Math.log(f.norm + 1e-30))),
      effectiveRank: stats(features.map((f) => f.effectiveRank)),
      locality: stats(features.map((f) => f.locality)),
      layers: [...new Set(features.flatMap((f) => f.layers))].sort(),
    };
    return this;
  }

  audit(edit: ParameterEdit): EditAudit {
    const ref = this.reference;
    if (!ref) throw new Error('EditAuditor: call fit() or fromJSON() first');
    const features = EditAuditor.features(edit);
    const z = {
      logNorm: (Math.log(features.norm + 1e-30) - ref.logNorm[0]) / ref.logNorm[1],
      effectiveRank: (features.effectiveRank - ref.effectiveRank[0]) / ref.effectiveRank[1],
      locality: (features.locality - ref.locality[0]) / ref.locality[1],
    };
    const unseenLayers = features.layers.filter((l) => !ref.layers.includes(l));
    const score =
      Math.max(Math.abs(z.logNorm), Math.abs(z.effectiveRank), Math.abs(z.locality)) +
      10 * unseenLayers.length;
    return { features, z, unseenLayers, score };
  }

  toJSON(): EditAuditorJson {
    if (!this.reference) throw new Error('EditAuditor: call fit() first');
    return { kind: 'edit-auditor', formatVersion: 1, reference: this.reference };
  }

  static fromJSON(json: EditAuditorJson): EditAuditor {
    checkHeader(json, 'edit-auditor', 1);
    const auditor = new EditAuditor();
    auditor.reference = json.reference;
    return auditor;
  }
}

/** Singular values via the eigenvalues of the smaller Gram matrix, in float64. */
export function singularValues(m: Matrix): Float64Array {
  const transpose = m.rows > m.cols;
  const k = transpose ? m.cols : m.rows;
  const gram = new Float64Array(k * k);
  for (let a = 0; a < k; a++) {
    for (let b = 0; b <= a; b++) {
      let s = 0;
      if (transpose) for (let r = 0; r < m.rows; r++) s += m.data[r * m.cols + a] * m.data[r * m.cols + b];
      else for (let c = 0; c < m.cols; c++) s += m.data[a * m.cols + c] * m.data[b * m.cols + c];
      gram[a * k + b] = s;
      gram[b * k + a] = s;
    }
  }
  return symmetricEigen(gram, k).values.map((v) => Math.sqrt(Math.max(v, 0)));
}

export function effectiveRank(m: Matrix): number {
  const sv = singularValues(m);
  const total = sv.reduce((a, b) => a + b, 0);
  if (total === 0) return 0;
  let entropy = 0;
  for (const s of sv) if (s > 0) entropy -= (s / total) * Math.log(s / total);
  return Math.exp(entropy);
}
