import type { ArtifactRef, Stage } from '@damon/contracts';
import { DetectorBaseline, MonitorReferenceBatch, MonitorSettings, MonitorSubject } from '@damon/persistence';
import type { DetectorState } from './stage-handler';
import type { EntityManager } from 'typeorm';

/** Version of the envelope around each detector's JSON in detector_baselines.state. */
export const BASELINE_FORMAT_VERSION = 1;

/** detector_baselines.state: the detector's JSON tagged with the baseline version it belongs to. */
interface StoredState {
  baselineVersion: number;
  detector: DetectorState;
}

export interface StoredReference {
  eventId: string;
  payload: Buffer;
}

/**
 * The kit's SQL: subject rows (locked per transaction), the buffered learning reference, fitted
 * detector state and per-subject settings. Every method runs in the caller's transaction.
 */
export class BaselineStore {
  constructor(private readonly stage: Stage) {}

  /**
   * Locks the subject's row until the transaction ends, creating it in `learning` first when it is
   * new. A known subject (every transaction but its first) costs one statement: the lock.
   */
  async lockSubject(manager: EntityManager, subject: ArtifactRef): Promise<MonitorSubject> {
    const locked = await this.selectForUpdate(manager, subject);
    if (locked) return locked;
    // Two transactions may create it at once: one inserts, the other's insert waits for it and skips.
    await manager
      .createQueryBuilder()
      .insert()
      .into(MonitorSubject)
      .values({
        stage: this.stage,
        subjectKind: subject.kind,
        subjectId: subject.id,
        phase: 'learning',
        streamState: {},
      })
      .orIgnore()
      .execute();
    const row = await this.selectForUpdate(manager, subject);
    if (!row) throw new Error(`monitor_subjects row for ${subject.kind}/${subject.id} vanished`);
    return row;
  }

  private selectForUpdate(manager: EntityManager, subject: ArtifactRef): Promise<MonitorSubject | null> {
    return manager
      .getRepository(MonitorSubject)
      .createQueryBuilder('s')
      .setLock('pessimistic_write')
      .where('s.stage = :stage AND s.subject_kind = :kind AND s.subject_id = :id', {
        stage: this.stage,
        kind: subject.kind,
        id: subject.id,
      })
      .getOne();
  }

  async saveSubject(manager: EntityManager, row: MonitorSubject): Promise<void> {
    await manager.query(
      `UPDATE monitor_subjects SET phase = $1, reference_items = $2, baseline_version = $3, fit_count = $4, fitted_at = $5,
         stream_state = $6::jsonb, updated_at = now()
       WHERE stage = $7 AND subject_kind = $8 AND subject_id = $9`,
      [
        row.phase,
        row.referenceItems,
        row.baselineVersion,
        row.fitCount,
        row.fittedAt,
        JSON.stringify(row.streamState),
        row.stage,
        row.subjectKind,
        row.subjectId,
      ],
    );
  }

  async settingsOverride(
    manager: EntityManager,
    subject: ArtifactRef,
  ): Promise<Record<string, unknown> | undefined> {
    const row = await manager
      .getRepository(MonitorSettings)
      .findOneBy({ stage: this.stage, subjectKind: subject.kind, subjectId: subject.id });
    return row?.settings;
  }

  async appendReference(
    manager: EntityManager,
    row: MonitorSubject,
    eventId: string,
    items: number,
    payload: Buffer,
  ): Promise<void> {
    await manager.getRepository(MonitorReferenceBatch).insert({
      stage: this.stage,
      subjectKind: row.subjectKind,
      subjectId: row.subjectId,
      seq: row.referenceItems,
      eventId,
      items,
      payload,
    });
  }

  async loadReference(manager: EntityManager, subject: ArtifactRef): Promise<StoredReference[]> {
    const rows = await manager.getRepository(MonitorReferenceBatch).find({
      where: { stage: this.stage, subjectKind: subject.kind, subjectId: subject.id },
      order: { seq: 'ASC' },
      select: { eventId: true, payload: true, seq: true },
    });
    return rows.map((r) => ({ eventId: r.eventId, payload: r.payload }));
  }

  async clearReference(manager: EntityManager, subject: ArtifactRef): Promise<void> {
    await manager
      .getRepository(MonitorReferenceBatch)
      .delete({ stage: this.stage, subjectKind: subject.kind, subjectId: subject.id });
  }

  /** Replaces the subject's fitted state with `states`, tagged with `version`. */
  async saveBaselines(
    manager: EntityManager,
    subject: ArtifactRef,
    version: number,
    states: Record<string, DetectorState>,
    fittedAt: Date,
  ): Promise<void> {
    const repository = manager.getRepository(DetectorBaseline);
    await repository.delete({ stage: this.stage, subjectKind: subject.kind, subjectId: subject.id });
    const rows = Object.entries(states).map(([detector, state]) => ({
      subjectKind: subject.kind,
      subjectId: subject.id,
      stage: this.stage,
      detector,
      formatVersion: BASELINE_FORMAT_VERSION,
      state: { baselineVersion: version, detector: state },
      fittedAt,
    }));
    if (rows.length > 0) await repository.insert(rows);
  }

  /** The fitted state of `version`, by detector name; undefined when it is not (or no longer) stored. */
  async loadBaselines(
    manager: EntityManager,
    subject: ArtifactRef,
    version: number,
  ): Promise<Record<string, DetectorState> | undefined> {
    const rows = await manager
      .getRepository(DetectorBaseline)
      .findBy({ stage: this.stage, subjectKind: subject.kind, subjectId: subject.id });
    const current = rows
      .map((r) => ({ detector: r.detector, formatVersion: r.formatVersion, state: r.state as StoredState }))
      .filter((r) => r.formatVersion === BASELINE_FORMAT_VERSION && r.state.baselineVersion === version);
    if (current.length === 0) return undefined;
    return Object.fromEntries(current.map((r) => [r.detector, r.state.detector]));
  }
}
