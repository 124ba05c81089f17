import type { StageAlert } from '@damon/contracts';

/** Alerts of this detector mean "data stopped arriving": other findings on the subject are suspect. */
export const INGESTION_GAP_DETECTOR = 'ingestion_gap';

export interface GapAlert {
  alertId: string;
  /** Event time of the gap alert, ms. */
  occurredAt: number;
  /** Start of the gap alert's window, ms. */
  windowFrom: number;
}

/**
 * A gap alert is active from the start of its window until one correlation window after it was
 * raised; while active it inhibits every other alert on the same subject (the caller passes only
 * gap alerts on the alert's subject). Event times only, so replays inhibit the same alerts.
 */
export function findInhibitor(
  alert: Pick<StageAlert, 'detector' | 'occurredAt'>,
  gapAlertsOnSubject: readonly GapAlert[],
  windowMs: number,
): GapAlert | undefined {
  if (alert.detector === INGESTION_GAP_DETECTOR) return undefined;
  const at = Date.parse(alert.occurredAt);
  return gapAlertsOnSubject.find((g) => g.windowFrom <= at && at <= g.occurredAt + windowMs);
}
