import type { ArtifactKind, Stage } from '@damon/contracts';
import { rowsOf, type SqlRunner } from './sql-runner';

export interface SilenceInsert {
  detector?: string | null;
  subjectKind?: ArtifactKind | null;
  subjectId?: string | null;
  stage?: Stage | null;
  startsAt: Date;
  endsAt: Date;
  author: string;
  comment: string;
}

/** Inserts a silence the correlator will apply (checked by the caller: a matcher, endsAt > startsAt); its id. */
export async function insertSilence(db: SqlRunner, silence: SilenceInsert): Promise<string> {
  const [row] = await rowsOf<{ id: string }>(
    db,
    `INSERT INTO silences (detector, subject_kind, subject_id, stage, starts_at, ends_at, author, comment)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
    [
      silence.detector ?? null,
      silence.subjectKind ?? null,
      silence.subjectId ?? null,
      silence.stage ?? null,
      silence.startsAt,
      silence.endsAt,
      silence.author,
      silence.comment,
    ],
  );
  return row.id;
}
