import type { ArtifactKind } from '@damon/contracts';
import { type EntityManager } from 'typeorm';

export interface FlaggedVectorRow {
  alertId: string;
  subjectKind: ArtifactKind;
  subjectId: string;
  layer: string;
  itemId: string;
  values: Float32Array;
}

export interface FlaggedVectorCaps {
  /** Rows kept per subject and layer. */
  maxRows: number;
  /** Vector bytes kept per subject and layer. */
  maxBytes: number;
}

/** Defaults: 5000 rows and 64 MiB per model layer (at d = 4096, 4096 vectors fit the byte cap). */
export const FLAGGED_VECTOR_CAPS: FlaggedVectorCaps = { maxRows: 5000, maxBytes: 64 * 1024 * 1024 };

/** Rows per INSERT statement (7 parameters each, far below PostgreSQL's 65,535). */
const INSERT_ROWS = 500;

/**
 * Stores flagged items' vectors with `manager` (the transaction that records the input event as
 * processed), then trims each touched subject layer to `caps`, dropping the oldest rows. A replayed
 * alert (same id and layer) is ignored.
 */

export async function storeFlaggedVectors(
  manager: EntityManager,
  rows: readonly FlaggedVectorRow[],
  caps: FlaggedVectorCaps = FLAGGED_VECTOR_CAPS,
): Promise<void> {
  if (rows.length === 0) return;
  const touched = new Map<string, [ArtifactKind, string, string]>();
  // One statement per INSERT_ROWS rows (a round trip per row cost ~0.5 ms each inside the monitor's
  // transaction, tens of rows per fetch); rows keep their order, so ids still grow with it.
  for (let start = 0; start < rows.length; start += INSERT_ROWS) {
    const batch = rows.slice(start, start + INSERT_ROWS);
    const params: unknown[] = [];
    const values = batch.map((row) => {
      params.push(
        row.alertId,
        row.subjectKind,
        row.subjectId,
        row.layer,
        row.itemId,
        row.values.length,
        Buffer.from(row.values.buffer, row.values.byteOffset, row.values.byteLength),
      );
      const at = params.length - 7;
      return `($${at + 1}, $${at + 2}, $${at + 3}, $${at + 4}, $${at + 5}, $${at + 6}, $${at + 7})`;
    });
    await manager.query(
      `INSERT INTO flagged_vectors (alert_id, subject_kind, subject_id, layer, item_id, dim, vector)
       VALUES ${values.join(', ')} ON CONFLICT (alert_id, layer) DO NOTHING`,
      params,
    );
    for (const row of batch)
      touched.set(JSON.stringify([row.subjectKind, row.subjectId, row.layer]), [
        row.subjectKind,
        row.subjectId,
        row.layer,
      ]);
  }
  for (const [kind, id, layer] of touched.values()) {
    await manager.query(
      `DELETE FROM flagged_vectors WHERE id IN (
         SELECT id FROM (
           SELECT id, row_number() OVER w AS n, sum(octet_length(vector)) OVER w AS bytes
           FROM flagged_vectors WHERE subject_kind = $1 AND subject_id = $2 AND layer = $3
           WINDOW w AS (ORDER BY id DESC)) newest
         WHERE n > $4 OR bytes > $5)`,
      [kind, id, layer, caps.maxRows, caps.maxBytes],
    );
  }
}

/** Per model layer: distinct incidents judged deceptive and benign that have stored vectors there. */
export interface VerdictCounts {
  subjectKind: ArtifactKind;
  subjectId: string;
  layer: string;
  deceptiveIncidents: number;
  benignIncidents: number;
}

const LABELLED = `
  FROM flagged_vectors v
  JOIN incident_alerts ia ON ia.alert_id = v.alert_id
  JOIN incident_triage t ON t.incident_id = ia.incident_id AND t.verdict IN ('deceptive', 'benign')`;

export async function verdictCounts(manager: EntityManager): Promise<VerdictCounts[]> {
  const rows: Array<{ subject_kind: ArtifactKind; subject_id: string; layer: string; d: string; b: string }> =
    await manager.query(
      `SELECT v.subject_kind, v.subject_id, v.layer,
              count(DISTINCT t.incident_id) FILTER (WHERE t.verdict = 'deceptive') AS d,
              count(DISTINCT t.incident_id) FILTER (WHERE t.verdict = 'benign') AS b
       ${LABELLED}
       GROUP BY v.subject_kind, v.subject_id, v.layer ORDER BY v.subject_kind, v.subject_id, v.layer`,
    );
  return rows.map((r) => ({
    subjectKind: r.subject_kind,
    subjectId: r.subject_id,
    layer: r.layer,
    deceptiveIncidents: Number(r.d),
    benignIncidents: Number(r.b),
  }));
}

export interface LabelledVector {
  incidentId: string;
  /** 1 = the incident was judged deceptive, 0 = benign. */
  label: 0 | 1;
  values: Float32Array;
}

/** The labelled vectors of one model layer, oldest first (a stable order, so refits are reproducible). */
export async function labelledVectors(
  manager: EntityManager,
  subjectKind: ArtifactKind,
  subjectId: string,
  layer: string,
): Promise<LabelledVector[]> {
  const rows: Array<{ incident_id: string; verdict: string; dim: number; vector: Buffer }> =
    await manager.query(
      `SELECT ia.incident_id, t.verdict, v.dim, v.vector ${LABELLED}
     WHERE v.subject_kind = $1 AND v.subject_id = $2 AND v.layer = $3 ORDER BY v.id`,
      [subjectKind, subjectId, layer],
    );
  return rows.map((r) => {
    const values = new Float32Array(r.dim);
    values.set(new Float32Array(r.vector.buffer.slice(r.vector.byteOffset, r.vector.byteOffset + r.dim * 4)));
    return { incidentId: r.incident_id, label: r.verdict === 'deceptive' ? 1 : 0, values };
  });
}

/** Deployed probes of a subject, by layer: the states the monitor scores `verdict-probe` with. */
export async function deployedProbeStates(
  manager: EntityManager,
  subjectKind: ArtifactKind,
  subjectId: string,
): Promise<Record<string, Record<string, unknown>>> {
  const rows: Array<{ layer: string; version: number; state: Record<string, unknown> }> = await manager.query(
    `SELECT layer, version, state FROM verdict_probes
     WHERE subject_kind = $1 AND subject_id = $2 AND deployed ORDER BY layer`,
    [subjectKind, subjectId],
  );
  return Object.fromEntries(rows.map((r) => [r.layer, { ...r.state, version: r.version }]));
}
