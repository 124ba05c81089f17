import { Inject, Injectable } from '@nestjs/common';
import { insertSilence } from '@damon/persistence';
import { DataSource } from 'typeorm';
import type { Principal } from '../auth/principal';
import type { CreateSilenceInput } from '../dto/create-silence.input';
import { badUserInput, notFound } from '../errors';
import { checkDate, checkFirst, checkId, checkText } from '../graphql/input-checks';
import { ArtifactKind, Stage } from '../models/enums';
import type { SilenceModel } from '../models/silence.model';
import { API_DATA_SOURCE } from '../tokens';
import { AuditService } from './audit.service';
import { selectRows } from './sql';

const MAX_SILENCES = 500;

interface SilenceRow {
  id: string;
  detector: string | null;
  subject_kind: string | null;
  subject_id: string | null;
  stage: string | null;
  starts_at: Date;
  ends_at: Date;
  author: string;
  comment: string;
  created_at: Date;
  active: boolean;
}

const SILENCE_COLUMNS = `id, detector, subject_kind, subject_id, stage, starts_at, ends_at, author, comment, created_at,
  (starts_at <= now() AND now() < ends_at) AS active`;

/** Silences the correlator applies; every change audited in api_audit_log. */
@Injectable()
export class SilenceService {
  constructor(
    @Inject(API_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  /** Most recent first; `active` true: only those muting now, false: only the others. */
  async list(active: boolean | null | undefined, first: number): Promise<SilenceModel[]> {
    checkFirst('first', first, MAX_SILENCES);
    const rows = await selectRows<SilenceRow>(
      this.dataSource,
      `SELECT ${SILENCE_COLUMNS} FROM silences
       WHERE $1::boolean IS NULL OR (starts_at <= now() AND now() < ends_at) = $1::boolean
       ORDER BY created_at DESC, id DESC LIMIT $2`,
      [active ?? null, first],
    );
    return rows.map(toSilence);
  }

  async create(input: CreateSilenceInput, actor: Principal): Promise<SilenceModel> {
    if (
      input.detector == null &&
      input.subjectKind == null &&
      input.subjectId == null &&
      input.stage == null
    ) {
      throw badUserInput('input', 'needs at least one matcher: detector, subjectKind, subjectId or stage');
    }
    if (input.detector != null) checkText('input.detector', input.detector, 128);
    if (input.subjectId != null) checkId('input.subjectId', input.subjectId);
    checkText('input.comment', input.comment, 2000);
    const startsAt = input.startsAt ? checkDate('input.startsAt', input.startsAt) : new Date();
    const endsAt = checkDate('input.endsAt', input.endsAt);
    if (endsAt.getTime() <= startsAt.getTime()) throw badUserInput('input.endsAt', 'must be after startsAt');
    if (endsAt.getTime() <= Date.now()) throw badUserInput('input.endsAt', 'must be in the future');
    return this.dataSource.transaction(async (manager) => {
      const id = await insertSilence(manager, {
        detector: input.detector,
        subjectKind: input.subjectKind,
        subjectId: input.subjectId,
        stage: input.stage,
        startsAt,
        endsAt,
        author: actor.name,
        comment: input.comment,
      });
      const [row] = await selectRows<SilenceRow>(
        manager,
        `SELECT ${SILENCE_COLUMNS} FROM silences WHERE id = $1`,
        [id],
      );
      await this.audit.other(manager, 'createSilence', { kind: 'silence', id: row.id }, actor, {
        matchers: {
          detector: row.detector,
          subjectKind: row.subject_kind,
          subjectId: row.subject_id,
          stage: row.stage,
        },
        startsAt: row.starts_at,
        endsAt: row.ends_at,
      });
      return toSilence(row);
    });
  }

  /**
   * Ends a silence now. One that has not started yet is shrunk to a single microsecond at its start
   * (the table requires endsAt > startsAt), which mutes nothing in practice.
   */
  async expire(id: string, actor: Principal): Promise<SilenceModel> {
    if (!/^[0-9a-f-]{36}$/i.test(checkId('id', id))) throw badUserInput('id', 'is not a silence id (uuid)');
    return this.dataSource.transaction(async (manager) => {
      const rows = await selectRows<SilenceRow>(
        manager,
        // Through a CTE: TypeORM returns [rows, count] for a bare UPDATE … RETURNING.
        `WITH expired AS (
           UPDATE silences SET ends_at = GREATEST(now(), starts_at + interval '1 microsecond')
           WHERE id = $1 AND ends_at > now() RETURNING *
         ) SELECT ${SILENCE_COLUMNS} FROM expired`,
        [id],
      );
      let row = rows[0];
      if (!row) {
        [row] = await selectRows<SilenceRow>(
          manager,
          `SELECT ${SILENCE_COLUMNS} FROM silences WHERE id = $1`,
          [id],
        );
        if (!row) throw notFound('silence', id);
      }
      await this.audit.other(manager, 'expireSilence', { kind: 'silence', id }, actor, {
        endsAt: row.ends_at,
        alreadyExpired: rows.length === 0,
      });
      return toSilence(row);
    });
  }
}

function toSilence(row: SilenceRow): SilenceModel {
  return {
    id: row.id,
    detector: row.detector,
    subjectKind: row.subject_kind as ArtifactKind | null,
    subjectId: row.subject_id,
    stage: row.stage as Stage | null,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    active: row.active,
    author: row.author,
    comment: row.comment,
    createdAt: row.created_at,
  };
}
