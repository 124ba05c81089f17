import { LogisticProbe, crossValidateProbe, matrix } from '@damon/detectors';
import { labelledVectors, verdictCounts, type VerdictCounts } from '@damon/persistence';
import type { DataSource } from 'typeorm';
import type { VerdictProbeState } from './verdict-probe-scoring';

export interface VerdictProbeOptions {
  /** Incidents judged deceptive, and judged benign, a layer needs before a probe is fitted (20 each). */
  minIncidentsPerClass: number;
  /** Deployed only when the cross-validated AUROC reaches this (0.9). */
  minAuroc: number;
  folds: number;
  /** L2: scikit-learn's C. */
  c: number;
  /** Labelled vectors used per layer at most, newest kept (bounds the fit's time on the main thread). */
  maxTrainingRows: number;
}

export const VERDICT_PROBE_DEFAULTS: VerdictProbeOptions = {
  minIncidentsPerClass: 20,
  minAuroc: 0.9,
  folds: 5,
  c: 1,
  maxTrainingRows: 2000,
};

export interface ProbeFitReport extends VerdictCounts {
  cvAuroc: number;
  deployed: boolean;
  version: number;
  trainingRows: number;
}

/**
 * Fits (or refits) a verdict probe for every model layer with enough judged incidents whose counts
 * changed since its last fit; stores its AUROC, counts and state, deployed when the AUROC passes the
 * gate (else kept undeployed, so the API shows why). Returns what was fitted.
 */
export async function fitVerdictProbes(
  dataSource: DataSource,
  options: VerdictProbeOptions = VERDICT_PROBE_DEFAULTS,
): Promise<ProbeFitReport[]> {
  const reports: ProbeFitReport[] = [];
  for (const counts of await verdictCounts(dataSource.manager)) {
    if (counts.deceptiveIncidents < options.minIncidentsPerClass) continue;
    if (counts.benignIncidents < options.minIncidentsPerClass) continue;
    const previous: Array<{ deceptive_incidents: number; benign_incidents: number; training_rows: number }> =
      await dataSource.query(
        `SELECT deceptive_incidents, benign_incidents, training_rows FROM verdict_probes
         WHERE subject_kind = $1 AND subject_id = $2 AND layer = $3`,
        [counts.subjectKind, counts.subjectId, counts.layer],
      );
    const rows = (
      await labelledVectors(dataSource.manager, counts.subjectKind, counts.subjectId, counts.layer)
    ).slice(-options.maxTrainingRows);
    const last = previous[0];
    if (
      last &&
      last.deceptive_incidents === counts.deceptiveIncidents &&
      last.benign_incidents === counts.benignIncidents &&
      last.training_rows === rows.length
    )
      continue;
    const report = await fitOne(dataSource, counts, rows, options);
    if (report) reports.push(report);
  }
  return reports;
}

async function fitOne(
  dataSource: DataSource,
  counts: VerdictCounts,
  rows: Awaited<ReturnType<typeof labelledVectors>>,
  options: VerdictProbeOptions,
): Promise<ProbeFitReport | undefined> {
  const dims = new Set(rows.map((r) => r.values.length));
  if (dims.size !== 1) return undefined; // the layer changed width: wait for vectors of one width
  const dim = rows[0].values.length;
  const data = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => data.set(r.values, i * dim));
  const x = matrix(rows.length, dim, data);
  const labels = rows.map((r) => r.label);
  const assignment = incidentFolds(rows, options.folds);
  if (!foldsHoldBothClasses(assignment, labels, options.folds)) return undefined;
  // Folds by incident: an incident's items stay together, so the AUROC is that of unseen incidents.
  const cv = crossValidateProbe(x, labels, { c: options.c, folds: options.folds, assignment });
  const probe = new LogisticProbe({ c: options.c }).fit(x, labels);
  const state: VerdictProbeState = {
    probe: probe.toJSON(),
    benignScores: Array.from(cv.outOfFold.filter((_, i) => labels[i] === 0)),
    threshold: 0.5,
    cvAuroc: cv.auroc,
  };
  const deployed = cv.auroc >= options.minAuroc;
  const version = await dataSource.transaction(async (manager) => {
    const stored: Array<{ version: number }> = await manager.query(
      `INSERT INTO verdict_probes (subject_kind, subject_id, layer, version, deceptive_incidents,
         benign_incidents, training_rows, cv_auroc, folds, deployed, state, fitted_at)
       VALUES ($1, $2, $3, 1, $4, $5, $6, $7, $8, $9, $10, now())
       ON CONFLICT (subject_kind, subject_id, layer) DO UPDATE SET
         version = verdict_probes.version + 1, deceptive_incidents = EXCLUDED.deceptive_incidents,
         benign_incidents = EXCLUDED.benign_incidents, training_rows = EXCLUDED.training_rows,
         cv_auroc = EXCLUDED.cv_auroc, folds = EXCLUDED.folds, deployed = EXCLUDED.deployed,
         state = EXCLUDED.state, fitted_at = EXCLUDED.fitted_at
       RETURNING version`,
      [
        counts.subjectKind,
        counts.subjectId,
        counts.layer,
        counts.deceptiveIncidents,
        counts.benignIncidents,
        rows.length,
        cv.auroc,
        options.folds,
        deployed,
        JSON.stringify(state),
      ],
    );
    return stored[0].version;
  });
  return { ...counts, cvAuroc: cv.auroc, deployed, version, trainingRows: rows.length };
}

/** Stratified folds over incidents: per class, incidents in first-seen order take folds 0 … k−1, 0, … */
function incidentFolds(rows: readonly { incidentId: string; label: 0 | 1 }[], k: number): Int32Array {
  const foldOf = new Map<string, number>();
  const seen = [0, 0];
  const out = new Int32Array(rows.length);
  rows.forEach((r, i) => {
    let fold = foldOf.get(r.incidentId);
    if (fold === undefined) {
      fold = seen[r.label]++ % k;
      foldOf.set(r.incidentId, fold);
    }
    out[i] = fold;
  });
  return out;
}

function foldsHoldBothClasses(assignment: Int32Array, labels: readonly number[], k: number): boolean {
  for (let f = 0; f < k; f++) {
    const held = labels.filter((_, i) => assignment[i] === f);
    if (!held.includes(0) || !held.includes(1)) return false;
  }
  return true;
}
