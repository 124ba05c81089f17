import { createHash } from 'node:crypto';
import type { Stage } from '@damon/contracts';
import type { ArtifactKey } from './artifact-key';
import { severityTerms, totalSeverity, type SeverityTerms } from './severity';

export type IncidentStatus = 'open' | 'merged' | 'resolved';

/** What fusion needs to know about an incident (a row of `incidents` plus the subjects near the batch). */
export interface IncidentState {
  id: string;
  status: IncidentStatus;
  /** Whether `opened` has been published (group_wait elapsed) as of the start of this batch. */
  announced: boolean;
  /** Set when this batch must announce it now: it absorbed an incident that was already announced. */
  announceNow: boolean;
  /** Wall-clock ms the incident was opened: group_wait counts from here. */
  createdAt: number;
  /** Event-time ms of its earliest and latest alert: the time window is measured against these. */
  firstAlertAt: number;
  lastAlertAt: number;
  /**
   * Subjects of its alerts. For incidents loaded from the database only those near the batch's
   * subjects are present, which is all a fusion decision looks at.
   */
  subjects: Set<ArtifactKey>;
  /** Minimum p-value per detector (the alert's tail p-value when it carries one). */
  detectorMinP: Map<string, number>;
  /** Minimum flagged-count p-value per detector, for detectors that report flagged items. */
  detectorMinCountP: Map<string, number>;
  stages: Set<Stage>;
  alertCount: number;
  severity: number;
  /** The terms severity is the sum of. */
  severityTerms: SeverityTerms;
  mergedInto: string | null;
  /** Incremented once per batch that changes it; names the events published about it. */
  version: number;
}

/** Deterministic from the alert that opened it, so a replay into an empty database yields the same ids. */
export function incidentIdFor(firstAlertId: string): string {
  return `inc_${createHash('sha256').update(firstAlertId).digest('hex').slice(0, 24)}`;
}

export function recomputeSeverity(incident: IncidentState): void {
  incident.severityTerms = severityTerms({
    detectorMinP: incident.detectorMinP,
    detectorMinCountP: incident.detectorMinCountP,
    stageCount: incident.stages.size,
    spanMs: incident.lastAlertAt - incident.firstAlertAt,
  });
  incident.severity = totalSeverity(incident.severityTerms);
}

/** An event at `at` (ms) is inside the incident's window when it is within `windowMs` of its alerts' span. */
export function withinWindow(incident: IncidentState, at: number, windowMs: number): boolean {
  return at >= incident.firstAlertAt - windowMs && at <= incident.lastAlertAt + windowMs;
}

/** Whether two incidents' alert spans come within `windowMs` of each other. */
export function windowsOverlap(a: IncidentState, b: IncidentState, windowMs: number): boolean {
  return a.firstAlertAt - windowMs <= b.lastAlertAt && b.firstAlertAt - windowMs <= a.lastAlertAt;
}

/** The incident others merge into: the one whose story started first (then the smaller id, for determinism). */
export function pickSurvivor(incidents: readonly IncidentState[]): IncidentState {
  return incidents.reduce((best, i) =>
    i.firstAlertAt < best.firstAlertAt || (i.firstAlertAt === best.firstAlertAt && i.id < best.id) ? i : best,
  );
}
