import { LIMITS, type ArtifactRef, type ScoreBatch, type Stage, type StageAlert } from '@damon/contracts';
import { derivedId } from './output-ids';
import type { AlertDraft, ScoreRows } from './stage-handler';

/** The input event an output derives from. */
export interface InputRef {
  eventId: string;
  occurredAt: string;
}

/** Turns handler drafts into contract events with ids derived from stage, detector, subject and inputs. */
export class OutputBuilder {
  constructor(
    private readonly stage: Stage,
    private readonly alpha: () => number,
  ) {}

  alert(
    subject: ArtifactRef,
    inputs: readonly InputRef[],
    draft: AlertDraft,
    alpha = this.alpha(),
  ): StageAlert {
    const ids = [...new Set(inputs.map((i) => i.eventId))].sort();
    const alertId = derivedId('alert', [
      this.stage,
      draft.detector,
      subject.kind,
      subject.id,
      ...ids,
      draft.itemKey ?? '',
    ]);
    const times = inputs.map((i) => i.occurredAt).sort((a, b) => Date.parse(a) - Date.parse(b));
    return {
      eventId: alertId,
      schemaVersion: 1,
      // The newest input's time, not the wall clock, so a reprocessed alert is byte-for-byte the same.
      occurredAt: times[times.length - 1],
      subject,
      alertId,
      stage: this.stage,
      detector: draft.detector,
      score: draft.score,
      pValue: clampProbability(draft.pValue),
      alpha,
      evidence: draft.evidence,
      ...(draft.severityEvidence ? { severityEvidence: draft.severityEvidence } : {}),
      window: { from: times[0], to: times[times.length - 1] },
      inputEventIds: ids,
      ...(draft.flagged
        ? {
            flaggedItems: {
              ids: draft.flagged.ids.slice(0, LIMITS.maxFlaggedItemIds),
              count: Math.max(
                draft.flagged.count,
                Math.min(draft.flagged.ids.length, LIMITS.maxFlaggedItemIds),
              ),
            },
          }
        : {}),
    };
  }

  scores(subject: ArtifactRef, input: InputRef, rows: ScoreRows): ScoreBatch {
    return {
      eventId: derivedId('scores', [
        this.stage,
        rows.detector,
        rows.layer ?? '',
        subject.kind,
        subject.id,
        input.eventId,
      ]),
      schemaVersion: 1,
      occurredAt: input.occurredAt,
      subject,
      detector: rows.detector,
      ...(rows.layer !== undefined ? { layer: rows.layer } : {}),
      // An item already in range is taken as it is rather than copied (the handler's rows are not
      // read after this; zod copies the batch on publishing anyway).
      items: rows.items.map((i) => {
        const score = finiteOr(i.score);
        const pValue = clampProbability(i.pValue);
        return score === i.score && pValue === i.pValue ? i : { itemId: i.itemId, score, pValue };
      }),
    };
  }
}

function clampProbability(p: number): number {
  return Number.isFinite(p) ? Math.min(1, Math.max(0, p)) : 1;
}

/** Scores travel as finite JSON numbers; an infinite distance is reported as the largest float. */
function finiteOr(score: number): number {
  if (Number.isFinite(score)) return score;
  return Number.isNaN(score) ? 0 : Math.sign(score) * Number.MAX_VALUE;
}
