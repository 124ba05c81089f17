import { createHash } from 'node:crypto';
import type { Stage } from '@damon/contracts';
import { parseArtifactKey, type ArtifactKey } from './artifact-key';
import { severityTerms, totalSeverity, type SeverityTerms, type VerdictCounts } from './severity';

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
  /**
   * Every subject each detector alerted on in this incident (complete, unlike `subjects`; stored as
   * incidents.detector_subjects): the (detector, subject) pairs whose verdict records weigh the
   * detector's evidence.
   */
  detectorSubjects: Map<string, Set<ArtifactKey>>;
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

/**
 * Triage verdicts per detector, then per subject (`kind:id`): benign and deceptive verdicts of the
 * incidents holding that detector's alerts on that subject (the counts of view `detector_precision`).
 */
export type DetectorVerdicts = ReadonlyMap<string, ReadonlyMap<ArtifactKey, VerdictCounts>>;

/**
 * A detector's verdict record in one incident: its verdicts summed over the subjects it alerted on
 * there (usually one), with the subjects that had any. Undefined when none had a verdict. A past
 * incident holding its alerts on two of these subjects counts once per subject.
 */
export function incidentVerdicts(
  incident: Pick<IncidentState, 'detectorSubjects'>,
  detector: string,
  verdicts: DetectorVerdicts | undefined,
): (VerdictCounts & { subjects: ArtifactKey[] }) | undefined {
  const bySubject = verdicts?.get(detector);
  if (!bySubject) return undefined;
  const total = { benign: 0, deceptive: 0, subjects: [] as ArtifactKey[] };
  for (const subject of [...(incident.detectorSubjects.get(detector) ?? [])].sort()) {
    const counts = bySubject.get(subject);
    if (!counts || counts.benign + counts.deceptive <= 0) continue;
    total.benign += counts.benign;
    total.deceptive += counts.deceptive;
    total.subjects.push(subject);
  }
  return total.subjects.length > 0 ? total : undefined;
}

export function recomputeSeverity(incident: IncidentState, verdicts?: DetectorVerdicts): void {
  const records = new Map<string, VerdictCounts & { subjects: ArtifactKey[] }>();
  for (const detector of incident.detectorMinP.keys()) {
    const record = incidentVerdicts(incident, detector, verdicts);
    if (record) records.set(detector, record);
  }
  const terms = severityTerms(
    {
      detectorMinP: incident.detectorMinP,
      detectorMinCountP: incident.detectorMinCountP,
      stageCount: incident.stages.size,
      spanMs: incident.lastAlertAt - incident.firstAlertAt,
    },
    records,
  );
  // Which subjects' verdicts made each weight, so the timeline and the API can show them.
  for (const w of terms.detectorWeights ?? [])
    w.subjects = (records.get(w.detector)?.subjects ?? []).map(parseArtifactKey);
  incident.severityTerms = terms;
  incident.severity = totalSeverity(terms);
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
