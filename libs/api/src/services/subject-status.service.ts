import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ApiSettings } from '../api-settings';
import type { ArtifactRefInput } from '../dto/artifact-ref.input';
import { checkFirst, checkId } from '../graphql/input-checks';
import type { ArtifactKind, Stage } from '../models/enums';
import type { SubjectStatusModel } from '../models/subject-status.model';
import { API_DATA_SOURCE, API_SETTINGS } from '../tokens';
import { selectRows, SqlParams } from './sql';

/** detector_baselines keys that are bookkeeping, not detectors. */
const BOOKKEEPING = ['_baseline', '_status'];

/** Each monitored subject's lifecycle, from monitor_subjects and its current detector_baselines. */
@Injectable()
export class SubjectStatusService {
  constructor(
    @Inject(API_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(API_SETTINGS) private readonly settings: ApiSettings,
  ) {}

  async list(
    subject: ArtifactRefInput | null,
    stage: Stage | null,
    phase: string | null,
    first: number,
  ): Promise<SubjectStatusModel[]> {
    checkFirst('first', first, this.settings.maxPageSize);
    const params = new SqlParams();
    const conditions: string[] = [];
    if (subject) {
      conditions.push(`s.subject_kind = ${params.add(subject.kind)}`);
      conditions.push(`s.subject_id = ${params.add(checkId('subject.id', subject.id))}`);
    }
    if (stage) conditions.push(`s.stage = ${params.add(stage)}`);
    if (phase) conditions.push(`s.phase = ${params.add(phase)}`);
    const rows = await selectRows<{
      stage: Stage;
      subject_kind: ArtifactKind;
      subject_id: string;
      phase: string;
      reference_items: number;
      reference_target: number | null;
      baseline_version: number;
      fit_count: number;
      fitted_at: Date | null;
      updated_at: Date;
      detectors: string[] | null;
      unavailable: Record<string, string> | null;
    }>(
      this.dataSource,
      `SELECT s.stage, s.subject_kind, s.subject_id, s.phase, s.reference_items, s.baseline_version, s.fit_count,
              s.fitted_at, s.updated_at, (s.stream_state->>'referenceTarget')::int AS reference_target,
              (SELECT array_agg(b.detector ORDER BY b.detector) FROM detector_baselines b
                 WHERE b.stage = s.stage AND b.subject_kind = s.subject_kind AND b.subject_id = s.subject_id
                   AND (b.state->>'baselineVersion')::int = s.baseline_version
                   AND b.detector <> ALL(${params.add(BOOKKEEPING)}::text[])) AS detectors,
              (SELECT b.state->'detector'->'unavailable' FROM detector_baselines b
                 WHERE b.stage = s.stage AND b.subject_kind = s.subject_kind AND b.subject_id = s.subject_id
                   AND b.detector = '_status' AND (b.state->>'baselineVersion')::int = s.baseline_version) AS unavailable
       FROM monitor_subjects s
       ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
       ORDER BY s.updated_at DESC, s.stage, s.subject_kind, s.subject_id
       LIMIT ${params.add(first)}`,
      params.values,
    );
    return rows.map((r) => ({
      stage: r.stage,
      subject: { kind: r.subject_kind, id: r.subject_id },
      phase: r.phase,
      referenceItems: r.reference_items,
      referenceTarget: r.reference_target,
      baselineVersion: r.baseline_version,
      fitCount: r.fit_count,
      fittedAt: r.fitted_at,
      detectors: r.detectors ?? [],
      unavailable: Object.entries(r.unavailable ?? {}).map(([detector, reason]) => ({ detector, reason })),
      updatedAt: r.updated_at,
    }));
  }
}
