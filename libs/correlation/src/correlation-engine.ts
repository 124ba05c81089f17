import type { IncidentChange, StageAlert } from '@damon/contracts';
import { artifactKey, type ArtifactKey } from './artifact-key';
import type { CorrelationSettings } from './correlation-settings';
import { alertFingerprint } from './fingerprint';
import { findInhibitor, INGESTION_GAP_DETECTOR, type GapAlert } from './inhibition';
import {
  incidentIdFor,
  pickSurvivor,
  recomputeSeverity,
  windowsOverlap,
  withinWindow,
  type DetectorVerdicts,
  type IncidentState,
} from './incident-state';
import type { LineageGraph, LineageLink } from './lineage-graph';
import { flaggedCountPValue } from './severity';
import { findSilence, type SilenceRule } from './silence-matcher';

export type AlertStatus = 'correlated' | 'silenced' | 'inhibited' | 'duplicate';

export interface RecordedAlert {
  alert: StageAlert;
  fingerprint: string;
  status: AlertStatus;
  incidentId: string | null;
  silenceId: string | null;
  inhibitedBy: string | null;
  duplicateOf: string | null;
}

export type TimelineKind = 'opened' | 'alert_added' | 'merged' | 'merged_into' | 'announced' | 'resolved';

export interface TimelineNote {
  incidentId: string;
  kind: TimelineKind;
  details: Record<string, unknown>;
}

export interface Announcement {
  incidentId: string;
  change: IncidentChange;
  mergedInto?: string;
}

/** Everything one batch changes; the store writes it in the batch's transaction. */
export interface CorrelationOutcome {
  alerts: RecordedAlert[];
  memberships: { incidentId: string; alertId: string }[];
  /** Subjects that joined an incident through one of its own alerts (merges move rows in bulk). */
  subjects: { incidentId: string; subject: ArtifactKey }[];
  /** In the order they happened: rows of `from` move to `into`. */
  merges: { from: string; into: string }[];
  timeline: TimelineNote[];
  /** Incidents whose row changed, in their final state (version already incremented). */
  changed: IncidentState[];
  /** Incident events to publish once the transaction has committed. */
  announcements: Announcement[];
}

/** What the store knows, around one batch of alerts. */
export interface AlertBatchContext {
  /** Alert ids already recorded (dedup by id). */
  knownAlertIds: ReadonlySet<string>;
  /** Fingerprint → alert id of alerts already recorded (dedup by fingerprint). */
  fingerprints: ReadonlyMap<string, string>;
  silences: readonly SilenceRule[];
  /** Recorded ingestion-gap alerts per subject. */
  gapAlerts: ReadonlyMap<ArtifactKey, readonly GapAlert[]>;
  /** The lineage graph around the batch's subjects, at least `hops` deep. */
  graph: LineageGraph;
  /** Open incidents with a subject near the batch's subjects. */
  incidents: Iterable<IncidentState>;
  /**
   * Verdict records of the (detector, subject) pairs of the batch's alerts and of those incidents;
   * a pair without verdicts weighs 1.
   */
  verdicts?: DetectorVerdicts;
}

/** Open incidents near a set of new lineage edges, with the graph around all their subjects. */
export interface LineageBatchContext {
  graph: LineageGraph;
  incidents: Iterable<IncidentState>;
  /** As in AlertBatchContext, for the incidents' (detector, subject) pairs. */
  verdicts?: DetectorVerdicts;
}

/**
 * The fusion rule, pure: no I/O, no clock. An alert joins every open incident that has a subject
 * within `hops` lineage edges of the alert's subject and an alert within the time window; if that
 * is more than one incident they merge into the oldest; if none, the alert opens an incident.
 */
export class CorrelationEngine {
  constructor(private readonly settings: Pick<CorrelationSettings, 'hops' | 'windowMs'>) {}

  correlateAlerts(
    alerts: readonly StageAlert[],
    context: AlertBatchContext,
    nowMs: number,
  ): CorrelationOutcome {
    const run = new FusionRun(this.settings, context.graph, context.incidents, nowMs, context.verdicts);
    const seenIds = new Set(context.knownAlertIds);
    const fingerprints = new Map(context.fingerprints);
    const gapAlerts = new Map<ArtifactKey, GapAlert[]>();
    for (const [k, v] of context.gapAlerts) gapAlerts.set(k, [...v]);

    for (const alert of alerts) {
      // Same alert id: a redelivery or a replay; the first recording stands and nothing changes.
      if (seenIds.has(alert.alertId)) continue;
      seenIds.add(alert.alertId);
      const fingerprint = alertFingerprint(alert);
      const subject = artifactKey(alert.subject);
      const recorded: RecordedAlert = {
        alert,
        fingerprint,
        status: 'correlated',
        incidentId: null,
        silenceId: null,
        inhibitedBy: null,
        duplicateOf: null,
      };
      const original = fingerprints.get(fingerprint);
      if (original !== undefined) {
        recorded.status = 'duplicate';
        recorded.duplicateOf = original;
      } else {
        fingerprints.set(fingerprint, alert.alertId);
        const silence = findSilence(context.silences, alert);
        const inhibitor = silence
          ? undefined
          : findInhibitor(alert, gapAlerts.get(subject) ?? [], this.settings.windowMs);
        if (silence) {
          recorded.status = 'silenced';
          recorded.silenceId = silence.id;
        } else if (inhibitor) {
          recorded.status = 'inhibited';
          recorded.inhibitedBy = inhibitor.alertId;
        } else {
          recorded.incidentId = run.addAlert(alert);
        }
        if (alert.detector === INGESTION_GAP_DETECTOR) {
          const list = gapAlerts.get(subject) ?? [];
          list.push({
            alertId: alert.alertId,
            occurredAt: Date.parse(alert.occurredAt),
            windowFrom: Date.parse(alert.window.from),
          });
          gapAlerts.set(subject, list);
        }
      }
      run.outcome.alerts.push(recorded);
    }
    return run.finish();
  }

  /** After new lineage edges: merges open incidents that the edges connected. */
  mergeConnected(context: LineageBatchContext, nowMs: number): CorrelationOutcome {
    const run = new FusionRun(this.settings, context.graph, context.incidents, nowMs, context.verdicts);
    run.mergeConnectedIncidents();
    return run.finish();
  }
}

/** The working state of one batch. */
class FusionRun {
  readonly outcome: CorrelationOutcome = {
    alerts: [],
    memberships: [],
    subjects: [],
    merges: [],
    timeline: [],
    changed: [],
    announcements: [],
  };
  private readonly incidents = new Map<string, IncidentState>();
  private readonly bySubject = new Map<ArtifactKey, Set<string>>();
  private readonly announcedAtStart = new Map<string, boolean>();
  private readonly changed = new Set<string>();
  private readonly neighbourhoods = new Map<ArtifactKey, Set<ArtifactKey>>();

  constructor(
    private readonly settings: Pick<CorrelationSettings, 'hops' | 'windowMs'>,
    private readonly graph: LineageGraph,
    incidents: Iterable<IncidentState>,
    private readonly nowMs: number,
    private readonly verdicts: DetectorVerdicts | undefined,
  ) {
    for (const incident of incidents) this.track(incident);
  }

  addAlert(alert: StageAlert): string {
    const subject = artifactKey(alert.subject);
    const at = Date.parse(alert.occurredAt);
    const near = this.neighbourhood(subject);
    const joined = new Map<string, IncidentState>();
    for (const key of near) {
      for (const id of this.bySubject.get(key) ?? []) {
        const incident = this.incidents.get(id)!;
        if (incident.status === 'open' && withinWindow(incident, at, this.settings.windowMs))
          joined.set(id, incident);
      }
    }

    if (joined.size === 0) {
      const incident = this.open(alert, subject, at);
      return incident.id;
    }
    const candidates = [...joined.values()];
    const survivor = pickSurvivor(candidates);
    for (const other of candidates) {
      if (other !== survivor) this.merge(other, survivor, { alertId: alert.alertId });
    }
    const path = this.graph.shortestPath(subject, survivor.subjects, this.settings.hops) ?? [];
    this.addTo(survivor, alert, subject, at, path);
    return survivor.id;
  }

  /** Union-find over the incidents: connected ones (lineage within hops, windows overlapping) merge. */
  mergeConnectedIncidents(): void {
    const open = [...this.incidents.values()].filter((i) => i.status === 'open');
    const parent = new Map(open.map((i) => [i.id, i.id]));
    const find = (id: string): string => {
      let root = id;
      while (parent.get(root) !== root) root = parent.get(root)!;
      parent.set(id, root);
      return root;
    };
    for (const a of open) {
      for (const subject of a.subjects) {
        for (const key of this.neighbourhood(subject)) {
          for (const id of this.bySubject.get(key) ?? []) {
            const b = this.incidents.get(id)!;
            if (b === a || b.status !== 'open' || !windowsOverlap(a, b, this.settings.windowMs)) continue;
            parent.set(find(a.id), find(b.id));
          }
        }
      }
    }
    const groups = new Map<string, IncidentState[]>();
    for (const i of open) {
      const root = find(i.id);
      groups.set(root, [...(groups.get(root) ?? []), i]);
    }
    for (const group of groups.values()) {
      if (group.length < 2) continue;
      const survivor = pickSurvivor(group);
      for (const other of group) {
        if (other === survivor) continue;
        const path = this.pathBetween(other, survivor);
        // The path that now connects them names the new edge(s) that made the difference.
        this.merge(other, survivor, { path: path?.map(describeLink) ?? [] });
      }
    }
  }

  finish(): CorrelationOutcome {
    for (const id of this.changed) {
      const incident = this.incidents.get(id)!;
      incident.version += 1;
      this.outcome.changed.push(incident);
      const announced = this.announcedAtStart.get(id) ?? false;
      if (incident.status === 'merged') {
        if (announced)
          this.outcome.announcements.push({
            incidentId: id,
            change: 'merged',
            mergedInto: incident.mergedInto!,
          });
      } else if (announced) {
        this.outcome.announcements.push({ incidentId: id, change: 'updated' });
      } else if (incident.announceNow) {
        incident.announced = true;
        this.outcome.timeline.push({
          incidentId: id,
          kind: 'announced',
          details: { reason: 'absorbed an announced incident' },
        });
        this.outcome.announcements.push({ incidentId: id, change: 'opened' });
      }
    }
    // Opened/updated before merged, so a consumer learns of the survivor before being pointed at it.
    this.outcome.announcements.sort((a, b) => Number(a.change === 'merged') - Number(b.change === 'merged'));
    return this.outcome;
  }

  private open(alert: StageAlert, subject: ArtifactKey, at: number): IncidentState {
    const incident: IncidentState = {
      id: incidentIdFor(alert.alertId),
      status: 'open',
      announced: false,
      announceNow: false,
      createdAt: this.nowMs,
      firstAlertAt: at,
      lastAlertAt: at,
      subjects: new Set(),
      detectorMinP: new Map(),
      detectorMinCountP: new Map(),
      detectorSubjects: new Map(),
      stages: new Set(),
      alertCount: 0,
      severity: 0,
      severityTerms: { evidence: 0, flaggedCount: 0, stages: 0, persistence: 0 },
      mergedInto: null,
      version: 0,
    };
    this.track(incident);
    this.outcome.timeline.push({
      incidentId: incident.id,
      kind: 'opened',
      details: {
        alertId: alert.alertId,
        subject: alert.subject,
        stage: alert.stage,
        detector: alert.detector,
      },
    });
    this.addTo(incident, alert, subject, at, []);
    return incident;
  }

  private addTo(
    incident: IncidentState,
    alert: StageAlert,
    subject: ArtifactKey,
    at: number,
    path: LineageLink[],
  ): void {
    if (!incident.subjects.has(subject)) {
      incident.subjects.add(subject);
      this.index(subject, incident.id);
      this.outcome.subjects.push({ incidentId: incident.id, subject });
    }
    const evidence = alert.severityEvidence;
    const p = Math.min(alert.pValue, evidence?.tailPValue ?? 1);
    const min = incident.detectorMinP.get(alert.detector);
    if (min === undefined || p < min) incident.detectorMinP.set(alert.detector, p);
    if (evidence?.flagged !== undefined && evidence.tested !== undefined) {
      const countP = flaggedCountPValue({
        flagged: evidence.flagged,
        tested: evidence.tested,
        alpha: alert.alpha,
      });
      const minCount = incident.detectorMinCountP.get(alert.detector);
      if (minCount === undefined || countP < minCount) incident.detectorMinCountP.set(alert.detector, countP);
    }
    addDetectorSubject(incident, alert.detector, subject);
    incident.stages.add(alert.stage);
    incident.firstAlertAt = Math.min(incident.firstAlertAt, at);
    incident.lastAlertAt = Math.max(incident.lastAlertAt, at);
    incident.alertCount += 1;
    recomputeSeverity(incident, this.verdicts);
    this.changed.add(incident.id);
    this.outcome.memberships.push({ incidentId: incident.id, alertId: alert.alertId });
    this.outcome.timeline.push({
      incidentId: incident.id,
      kind: 'alert_added',
      details: {
        alertId: alert.alertId,
        subject: alert.subject,
        stage: alert.stage,
        detector: alert.detector,
        pValue: alert.pValue,
        ...(alert.severityEvidence ? { severityEvidence: alert.severityEvidence } : {}),
        path: path.map(describeLink),
        severity: incident.severity,
        severityTerms: incident.severityTerms,
      },
    });
  }

  private merge(from: IncidentState, into: IncidentState, reason: Record<string, unknown>): void {
    for (const subject of from.subjects) {
      into.subjects.add(subject);
      this.index(subject, into.id);
    }
    for (const [detector, p] of from.detectorMinP) {
      const min = into.detectorMinP.get(detector);
      if (min === undefined || p < min) into.detectorMinP.set(detector, p);
    }
    for (const [detector, p] of from.detectorMinCountP) {
      const min = into.detectorMinCountP.get(detector);
      if (min === undefined || p < min) into.detectorMinCountP.set(detector, p);
    }
    for (const [detector, subjects] of from.detectorSubjects)
      for (const subject of subjects) addDetectorSubject(into, detector, subject);
    for (const stage of from.stages) into.stages.add(stage);
    into.firstAlertAt = Math.min(into.firstAlertAt, from.firstAlertAt);
    into.lastAlertAt = Math.max(into.lastAlertAt, from.lastAlertAt);
    into.createdAt = Math.min(into.createdAt, from.createdAt);
    into.alertCount += from.alertCount;
    if ((from.announced || from.announceNow) && !into.announced) into.announceNow = true;
    recomputeSeverity(into, this.verdicts);
    from.status = 'merged';
    from.mergedInto = into.id;
    this.changed.add(from.id);
    this.changed.add(into.id);
    this.outcome.merges.push({ from: from.id, into: into.id });
    this.outcome.timeline.push({
      incidentId: into.id,
      kind: 'merged',
      details: { absorbed: from.id, ...reason, severity: into.severity, severityTerms: into.severityTerms },
    });
    this.outcome.timeline.push({
      incidentId: from.id,
      kind: 'merged_into',
      details: { into: into.id, ...reason },
    });
  }

  private pathBetween(a: IncidentState, b: IncidentState): LineageLink[] | undefined {
    let best: LineageLink[] | undefined;
    for (const subject of a.subjects) {
      const path = this.graph.shortestPath(subject, b.subjects, this.settings.hops);
      if (path && (!best || path.length < best.length)) best = path;
    }
    return best;
  }

  private track(incident: IncidentState): void {
    this.incidents.set(incident.id, incident);
    this.announcedAtStart.set(incident.id, incident.announced);
    for (const subject of incident.subjects) this.index(subject, incident.id);
  }

  private index(subject: ArtifactKey, incidentId: string): void {
    let ids = this.bySubject.get(subject);
    if (!ids) {
      ids = new Set();
      this.bySubject.set(subject, ids);
    }
    ids.add(incidentId);
  }

  private neighbourhood(subject: ArtifactKey): Set<ArtifactKey> {
    let near = this.neighbourhoods.get(subject);
    if (!near) {
      near = this.graph.neighbourhood(subject, this.settings.hops);
      this.neighbourhoods.set(subject, near);
    }
    return near;
  }
}

function addDetectorSubject(incident: IncidentState, detector: string, subject: ArtifactKey): void {
  let subjects = incident.detectorSubjects.get(detector);
  if (!subjects) {
    subjects = new Set();
    incident.detectorSubjects.set(detector, subjects);
  }
  subjects.add(subject);
}

function describeLink(link: LineageLink): { from: string; relation: string; to: string } {
  return { from: link.from, relation: link.relation, to: link.to };
}
