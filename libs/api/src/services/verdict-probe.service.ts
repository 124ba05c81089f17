import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ArtifactRefInput } from '../dto/artifact-ref.input';
import { checkId } from '../graphql/input-checks';
import type { VerdictProbeModel } from '../models/verdict-probe.model';
import { API_DATA_SOURCE } from '../tokens';
import { asArtifactKind } from './incident-row';
import { selectRows, SqlParams } from './sql';

interface ProbeRow {
  subject_kind: string;
  subject_id: string;
  layer: string;
  deceptive: number;
  benign: number;
  cv_auroc: number | null;
  deployed: boolean | null;
  version: number | null;
  training_rows: number | null;
  deceptive_incidents: number | null;
  benign_incidents: number | null;
  fitted_at: Date | null;
}

/** Per model layer: today's verdict counts over stored flagged vectors, and the latest probe fit. */
@Injectable()
export class VerdictProbeService {
  constructor(@Inject(API_DATA_SOURCE) private readonly dataSource: DataSource) {}

  async list(subject: ArtifactRefInput | null | undefined): Promise<VerdictProbeModel[]> {
    const params = new SqlParams();
    const where = subject
      ? `WHERE v.subject_kind = ${params.add(subject.kind)} AND v.subject_id = ${params.add(checkId('subject.id', subject.id))}`
      : '';
    const rows = await selectRows<ProbeRow>(
      this.dataSource,
      `WITH counts AS (
         SELECT v.subject_kind, v.subject_id, v.layer,
           (count(DISTINCT t.incident_id) FILTER (WHERE t.verdict = 'deceptive'))::int AS deceptive,
           (count(DISTINCT t.incident_id) FILTER (WHERE t.verdict = 'benign'))::int AS benign
         FROM flagged_vectors v
         LEFT JOIN incident_alerts ia ON ia.alert_id = v.alert_id
         LEFT JOIN incident_triage t ON t.incident_id = ia.incident_id
         ${where}
         GROUP BY v.subject_kind, v.subject_id, v.layer
       )
       SELECT c.subject_kind, c.subject_id, c.layer, c.deceptive, c.benign, p.cv_auroc, p.deployed,
         p.version, p.training_rows, p.deceptive_incidents, p.benign_incidents, p.fitted_at
       FROM counts c LEFT JOIN verdict_probes p
         ON p.subject_kind = c.subject_kind AND p.subject_id = c.subject_id AND p.layer = c.layer
       ORDER BY c.subject_kind, c.subject_id, c.layer LIMIT 1000`,
      params.values,
    );
    return rows.map((r) => ({
      subject: { kind: asArtifactKind(r.subject_kind), id: r.subject_id },
      layer: r.layer,
      deceptiveIncidents: r.deceptive,
      benignIncidents: r.benign,
      cvAuroc: r.cv_auroc,
      deployed: r.deployed ?? false,
      version: r.version,
      trainingRows: r.training_rows,
      fittedOnDeceptive: r.deceptive_incidents,
      fittedOnBenign: r.benign_incidents,
      fittedAt: r.fitted_at,
    }));
  }
}
