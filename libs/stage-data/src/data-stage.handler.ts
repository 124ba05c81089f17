import { createHash } from 'node:crypto';
import {
  decodeVectors,
  encodeVectors,
  type ArtifactRef,
  type DatasetBatch,
  type Vectors,
} from '@damon/contracts';
import {
  ConformalCalibrator,
  benjaminiHochberg,
  chiSquareSf,
  ks2Samp,
  mmdTest,
  mulberry32,
  spectralSignature,
  matrix,
  type ConformalCalibratorJson,
  type Matrix,
} from '@damon/detectors';
import {
  round,
  scoreHistogram,
  splitIndexes,
  detectorEnabled,
  type MonitorSettingsValues,
  assertBatchSize,
  type AlertDraft,
  type DetectorState,
  type ScoringOutcome,
  type ShapePart,
  type StageHandler,
} from '@damon/monitor-kit';

export const DATA_DETECTORS = {
  mmd: 'mmd',
  featureKs: 'feature-ks',
  spectral: 'spectral-signature',
  curation: 'curation-bias',
  provenance: 'unknown-provenance',
} as const;

const MMD_PERMUTATIONS = 200;
/** Random calibration sub-batches drawn to calibrate the spectral statistic. */
const SPECTRAL_NULL_DRAWS = 200;
const TOP = 5;

export interface PreparedDataset {
  event: DatasetBatch;
  embeddings?: Matrix;
}

export interface FittedDataset {
  reference?: Matrix;
  bandwidth?: number;
  features: Map<string, Float64Array>;
  spectral?: { calibration: ConformalCalibrator; scores: number[]; batchSize: number };
  sliceRates: Map<string, number>;
  known?: { generators: Set<string>; curators: Set<string> };
}

/**
 * Stage 1. Per batch against the subject's trusted reference: embedding drift (MMD, permutation
 * p-value), per-feature metadata drift (two-sample KS, Benjamini–Hochberg at α), a poisoned
 * sub-population inside the batch (spectral signature: top-direction share of the centred batch,
 * calibrated on random held-out sub-batches), curation bias (acceptance by slice against the
 * reference rates, chi-square), and generator/curator ids never seen while learning.
 * The scored unit is the batch: one score row per detector with itemId = batchId.
 */
export class DataStageHandler implements StageHandler<
  'damon.telemetry.data',
  PreparedDataset,
  FittedDataset
> {
  readonly stage = 'data' as const;
  readonly topic = 'damon.telemetry.data' as const;
  readonly subjectKind = 'dataset' as const;

  subject(event: DatasetBatch): ArtifactRef {
    return event.subject;
  }

  trusted(event: DatasetBatch): boolean {
    return event.trusted;
  }

  prepare(event: DatasetBatch, settings: MonitorSettingsValues): PreparedDataset {
    assertBatchSize(event.samples.length, settings.maxBatchItems, 'samples', 'samples');
    if (!event.embeddings) return { event };
    const decoded = decodeVectors(event.embeddings, 'embeddings');
    return { event, embeddings: matrix(decoded.rows, decoded.cols, decoded.values) };
  }

  items(prepared: PreparedDataset): number {
    return prepared.event.samples.length;
  }

  shape(prepared: PreparedDataset): ShapePart[] {
    return prepared.embeddings
      ? [{ key: 'embeddings', dim: prepared.embeddings.cols, field: 'embeddings.shape' }]
      : [];
  }

  fit(reference: PreparedDataset[], settings: MonitorSettingsValues): Record<string, DetectorState> {
    const states: Record<string, DetectorState> = {};
    const embedded = reference.flatMap((r) => (r.embeddings ? [r.embeddings] : []));
    if (embedded.length > 0) {
      const all = stack(embedded);
      const { fit, calibration } = splitIndexes(all.rows, settings.calibrationFraction);
      if (detectorEnabled(settings, DATA_DETECTORS.mmd)) {
        const sample = pick(all, spread(fit, settings.windowSize));
        states[DATA_DETECTORS.mmd] = {
          reference: encodeVectors(sample.data, [sample.rows, sample.cols]),
          bandwidth: medianDistance(sample),
        };
      }
      const batchSize = Math.round(median(embedded.map((m) => m.rows)));
      if (
        detectorEnabled(settings, DATA_DETECTORS.spectral) &&
        calibration.length >= batchSize &&
        batchSize >= 4
      ) {
        const random = mulberry32(calibration.length);
        const scores = Array.from({ length: SPECTRAL_NULL_DRAWS }, () =>
          topShare(pick(all, sampleWithout(calibration, batchSize, random))),
        );
        states[DATA_DETECTORS.spectral] = {
          calibration: new ConformalCalibrator().fit(scores).toJSON(),
          batchSize,
        };
      }
    }
    if (detectorEnabled(settings, DATA_DETECTORS.featureKs)) {
      const values = new Map<string, number[]>();
      for (const r of reference)
        for (const s of r.event.samples)
          for (const [name, v] of Object.entries(s.features ?? {}))
            (values.get(name) ?? values.set(name, []).get(name)!).push(v);
      const features = Object.fromEntries(
        [...values]
          .filter(([, v]) => v.length >= 8)
          .map(([name, v]) => [
            name,
            spread(
              v.map((_, i) => i),
              settings.windowSize,
            ).map((i) => v[i]),
          ]),
      );
      if (Object.keys(features).length > 0) states[DATA_DETECTORS.featureKs] = { features };
    }
    if (detectorEnabled(settings, DATA_DETECTORS.curation)) {
      const counts = new Map<string, { accepted: number; total: number }>();
      for (const r of reference)
        for (const s of r.event.samples) {
          if (s.accepted === undefined) continue;
          const c = counts.get(s.slice ?? '') ?? { accepted: 0, total: 0 };
          c.accepted += s.accepted ? 1 : 0;
          c.total += 1;
          counts.set(s.slice ?? '', c);
        }
      // Smoothed so a slice always or never accepted in the reference keeps a finite expectation.
      if (counts.size > 0)
        states[DATA_DETECTORS.curation] = {
          rates: Object.fromEntries(
            [...counts].map(([slice, c]) => [slice, (c.accepted + 0.5) / (c.total + 1)]),
          ),
        };
    }
    if (detectorEnabled(settings, DATA_DETECTORS.provenance)) {
      const ids = (pickId: (e: DatasetBatch) => ArtifactRef | undefined) => [
        ...new Set(
          reference.flatMap((r) => {
            const ref = pickId(r.event);
            return ref ? [`${ref.kind}/${ref.id}`] : [];
          }),
        ),
      ];
      states[DATA_DETECTORS.provenance] = {
        generators: ids((e) => e.generator),
        curators: ids((e) => e.curator),
      };
    }
    return states;
  }

  load(states: Record<string, DetectorState>): FittedDataset {
    const fitted: FittedDataset = { features: new Map(), sliceRates: new Map() };
    const mmd = states[DATA_DETECTORS.mmd];
    if (mmd) {
      const decoded = decodeVectors(mmd.reference as Vectors);
      fitted.reference = matrix(decoded.rows, decoded.cols, decoded.values);
      fitted.bandwidth = mmd.bandwidth as number;
    }
    const spectral = states[DATA_DETECTORS.spectral];
    if (spectral) {
      const json = spectral.calibration as ConformalCalibratorJson;
      fitted.spectral = {
        calibration: ConformalCalibrator.fromJSON(json),
        scores: json.scores,
        batchSize: spectral.batchSize as number,
      };
    }
    for (const [name, values] of Object.entries(
      (states[DATA_DETECTORS.featureKs]?.features ?? {}) as Record<string, number[]>,
    ))
      fitted.features.set(name, Float64Array.from(values));
    for (const [slice, rate] of Object.entries(
      (states[DATA_DETECTORS.curation]?.rates ?? {}) as Record<string, number>,
    ))
      fitted.sliceRates.set(slice, rate);
    const provenance = states[DATA_DETECTORS.provenance];
    if (provenance)
      fitted.known = {
        generators: new Set(provenance.generators as string[]),
        curators: new Set(provenance.curators as string[]),
      };
    return fitted;
  }

  score(prepared: PreparedDataset, fitted: FittedDataset, settings: MonitorSettingsValues): ScoringOutcome {
    const { event, embeddings } = prepared;
    const outcome: ScoringOutcome = { scores: [], alerts: [] };
    const emit = (
      detector: string,
      score: number,
      pValue: number,
      evidence: () => Record<string, unknown>,
    ) => {
      outcome.scores.push({ detector, items: [{ itemId: event.batchId, score, pValue }] });
      if (pValue <= settings.alpha)
        outcome.alerts.push({
          detector,
          score,
          pValue,
          evidence: { batchId: event.batchId, samples: event.samples.length, ...evidence() },
        } satisfies AlertDraft);
    };

    if (embeddings && fitted.reference && embeddings.rows >= 2) {
      // Seeded by the event id: a replayed batch gets the same permutations, hence the same p-value.
      const result = mmdTest(fitted.reference, embeddings, {
        bandwidth: fitted.bandwidth,
        permutations: MMD_PERMUTATIONS,
        seed: seedOf(event.eventId),
      });
      emit(DATA_DETECTORS.mmd, result.statistic, result.pValue, () => ({
        mmd2: round(result.statistic),
        bandwidth: round(result.bandwidth),
        permutations: result.permutations,
        referenceRows: fitted.reference!.rows,
      }));
    }

    if (embeddings && fitted.spectral && embeddings.rows >= 4) {
      const share = topShare(embeddings);
      const signature = spectralSignature(embeddings);
      const ranked = [...signature.scores]
        .map((score, i) => ({
          sampleId: event.samples[i].sampleId,
          score: round(score),
          flagged: signature.flagged[i] === 1,
        }))
        .sort((a, b) => b.score - a.score);
      const s = fitted.spectral;
      emit(DATA_DETECTORS.spectral, share, s.calibration.pValue(share), () => ({
        topDirectionShare: round(share),
        estimatedPoisonedFraction: round(signature.estimatedFraction),
        topSamples: ranked.slice(0, TOP),
        flaggedSamples: ranked
          .filter((r) => r.flagged)
          .map((r) => r.sampleId)
          .slice(0, 50),
        referenceHistogram: {
          ...scoreHistogram(s.scores),
          current: round(share),
          calibratedBatchSize: s.batchSize,
        },
      }));
    }

    if (fitted.features.size > 0) {
      const tests = [...fitted.features].flatMap(([name, reference]) => {
        const current = event.samples.flatMap((s) =>
          s.features && name in s.features ? [s.features[name]] : [],
        );
        return current.length >= 2 ? [{ name, ...ks2Samp(reference, current) }] : [];
      });
      if (tests.length > 0) {
        const bh = benjaminiHochberg(
          tests.map((t) => t.pValue),
          settings.alpha,
        );
        const ranked = tests
          .map((t, i) => ({
            feature: t.name,
            ks: round(t.statistic),
            pValue: round(t.pValue),
            adjustedPValue: round(bh.adjusted[i]),
          }))
          .sort((a, b) => a.adjustedPValue - b.adjustedPValue);
        emit(DATA_DETECTORS.featureKs, ranked[0].ks, ranked[0].adjustedPValue, () => ({
          fdr: settings.alpha,
          driftedFeatures: ranked.filter((r) => r.adjustedPValue <= settings.alpha),
          topFeatures: ranked.slice(0, TOP),
        }));
      }
    }

    if (fitted.sliceRates.size > 0) {
      const counts = new Map<string, { accepted: number; total: number }>();
      for (const s of event.samples) {
        if (s.accepted === undefined || !fitted.sliceRates.has(s.slice ?? '')) continue;
        const c = counts.get(s.slice ?? '') ?? { accepted: 0, total: 0 };
        c.accepted += s.accepted ? 1 : 0;
        c.total += 1;
        counts.set(s.slice ?? '', c);
      }
      if (counts.size > 0) {
        // Goodness of fit of the batch's per-slice acceptance to the reference rates: Σ (a − n·p)² / (n·p·(1−p)) ~ χ²(slices).
        let statistic = 0;
        const slices = [...counts].map(([slice, c]) => {
          const p = fitted.sliceRates.get(slice)!;
          const residual = (c.accepted - c.total * p) / Math.sqrt(c.total * p * (1 - p));
          statistic += residual * residual;
          return {
            slice,
            accepted: c.accepted,
            total: c.total,
            rate: round(c.accepted / c.total),
            referenceRate: round(p),
            residual: round(residual),
          };
        });
        emit(DATA_DETECTORS.curation, statistic, chiSquareSf(statistic, counts.size), () => ({
          dof: counts.size,
          slices: slices.sort((a, b) => Math.abs(b.residual) - Math.abs(a.residual)),
        }));
      }
    }

    if (fitted.known) {
      const unknown = [
        ...(event.generator && !fitted.known.generators.has(`${event.generator.kind}/${event.generator.id}`)
          ? [{ role: 'generator', ...event.generator }]
          : []),
        ...(event.curator && !fitted.known.curators.has(`${event.curator.kind}/${event.curator.id}`)
          ? [{ role: 'curator', ...event.curator }]
          : []),
      ];
      // Not a statistical test: an id the trusted phase never saw is a fact, reported with p = 0.
      emit(DATA_DETECTORS.provenance, unknown.length, unknown.length > 0 ? 0 : 1, () => ({
        unknown,
        knownGenerators: [...fitted.known!.generators].slice(0, 20),
        knownCurators: [...fitted.known!.curators].slice(0, 20),
      }));
    }
    return outcome;
  }
}

/** Share of the centred batch's variance along its top direction (large when a sub-population is shifted). */
function topShare(batch: Matrix): number {
  const signature = spectralSignature(batch);
  let total = 0;
  const d = batch.cols;
  const mean = new Float64Array(d);
  for (let i = 0; i < batch.rows; i++)
    for (let j = 0; j < d; j++) mean[j] += batch.data[i * d + j] / batch.rows;
  for (let i = 0; i < batch.rows; i++)
    for (let j = 0; j < d; j++) total += (batch.data[i * d + j] - mean[j]) ** 2;
  return total > 0 ? signature.singularValues[0] ** 2 / total : 0;
}

function stack(parts: Matrix[]): Matrix {
  const data = new Float32Array(parts.reduce((n, p) => n + p.data.length, 0));
  let offset = 0;
  for (const p of parts) {
    data.set(p.data, offset);
    offset += p.data.length;
  }
  return matrix(data.length / parts[0].cols, parts[0].cols, data);
}

function pick(m: Matrix, rows: readonly number[]): Matrix {
  const data = new Float32Array(rows.length * m.cols);
  rows.forEach((r, i) => data.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols));
  return matrix(rows.length, m.cols, data);
}

/** At most `max` of `indexes`, evenly spaced. */
function spread(indexes: readonly number[], max: number): number[] {
  if (indexes.length <= max) return [...indexes];
  return Array.from({ length: max }, (_, i) => indexes[Math.floor((i * indexes.length) / max)]);
}

function sampleWithout(indexes: readonly number[], k: number, random: () => number): number[] {
  const pool = [...indexes];
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(random() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, k);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return sorted.length % 2 ? sorted[Math.floor(mid)] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function medianDistance(m: Matrix): number {
  const distances: number[] = [];
  for (let i = 0; i < m.rows; i++) {
    for (let j = i + 1; j < m.rows; j++) {
      let s = 0;
      for (let c = 0; c < m.cols; c++) s += (m.data[i * m.cols + c] - m.data[j * m.cols + c]) ** 2;
      distances.push(Math.sqrt(s));
    }
  }
  return median(distances) || 1;
}

function seedOf(id: string): number {
  return createHash('sha256').update(id).digest().readUInt32LE(0);
}
