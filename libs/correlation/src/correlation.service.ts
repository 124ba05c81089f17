import { Inject, Injectable } from '@nestjs/common';
import type { LineageEdge, StageAlert } from '@damon/contracts';
import { enqueueIncidentEvents, lockFusion } from '@damon/persistence';
import type { DataSource, EntityManager } from 'typeorm';
import { artifactKey, type ArtifactKey } from './artifact-key';
import { CLOCK, type Clock } from './clock';
import { CorrelationEngine, type CorrelationOutcome } from './correlation-engine';
import type { CorrelationInput } from './correlation-input';
import { CORRELATION_SETTINGS, type CorrelationSettings } from './correlation-settings';
import { CorrelationStore, CORRELATOR_ACTOR } from './correlation-store';
import { alertFingerprint } from './fingerprint';
import type { IncidentState } from './incident-state';
import { IncidentOutboxPublisher } from './incident-outbox.publisher';
import { CORRELATION_DATA_SOURCE } from './tokens';

export interface BatchSummary {
  /** Messages whose effect was applied (the rest were redeliveries). */
  applied: number;
  /** Incidents created or changed. */
  incidentsChanged: number;
}

/**
 * Correlation with exactly-once effect: a batch's alerts, the incident changes they cause, the
 * events to announce them and the processed-event records commit in one transaction, under the
 * fusion advisory lock, before the bus commits the offsets.
 */
@Injectable()
export class CorrelationService {
  constructor(
    @Inject(CORRELATION_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(CORRELATION_SETTINGS) private readonly settings: CorrelationSettings,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly outbox: IncidentOutboxPublisher,
    private readonly engine: CorrelationEngine,
    private readonly store: CorrelationStore,
  ) {}

  async handleBatch(inputs: readonly CorrelationInput[]): Promise<BatchSummary> {
    if (inputs.length === 0) return { applied: 0, incidentsChanged: 0 };
    const now = this.clock.now();
    const summary = await this.dataSource.transaction(async (manager) => {
      await lockFusion(manager);
      const claimed = await this.store.claimEvents(manager, this.settings.group, [
        ...new Set(inputs.map((i) => i.value.eventId)),
      ]);
      const fresh = inputs.filter((i) => claimed.delete(i.value.eventId));
      const changed = new Set<string>();
      let announcements = 0;
      for (const run of consecutiveRuns(fresh)) {
        const outcome =
          run.topic === 'damon.alerts'
            ? await this.correlate(manager, run.values as StageAlert[], now)
            : await this.link(manager, run.values as LineageEdge[], now);
        if (!outcome) continue;
        await this.store.applyOutcome(manager, outcome, now);
        for (const i of outcome.changed) changed.add(i.id);
        announcements += outcome.announcements.length;
      }
      return { applied: fresh.length, incidentsChanged: changed.size, announcements };
    });
    if (summary.announcements > 0) this.outbox.wake();
    return { applied: summary.applied, incidentsChanged: summary.incidentsChanged };
  }

  /** Announces (`opened`) the open incidents whose group_wait has elapsed; returns their ids. */
  async announceDue(): Promise<string[]> {
    const now = this.clock.now();
    const ids = await this.dataSource.transaction(async (manager) => {
      await lockFusion(manager);
      const due = await this.store.claimDueAnnouncements(
        manager,
        new Date(now.getTime() - this.settings.groupWaitMs),
        now,
      );
      await this.store.appendTimeline(
        manager,
        due.map((incidentId) => ({
          incidentId,
          kind: 'announced' as const,
          details: { groupWaitMs: this.settings.groupWaitMs },
        })),
        CORRELATOR_ACTOR,
        now,
      );
      await enqueueIncidentEvents(
        manager,
        due.map((incidentId) => ({ incidentId, change: 'opened' as const })),
        now,
      );
      return due;
    });
    if (ids.length > 0) this.outbox.wake();
    return ids;
  }

  private async correlate(
    manager: EntityManager,
    alerts: StageAlert[],
    now: Date,
  ): Promise<CorrelationOutcome> {
    const subjects = [...new Map(alerts.map((a) => [artifactKey(a.subject), a.subject])).values()];
    const { graph, nodes } = await this.store.loadSubgraph(
      manager,
      subjects.map(artifactKey),
      this.settings.hops,
    );
    const times = alerts.map((a) => Date.parse(a.occurredAt));
    const earliest = Math.min(...times);
    const latest = Math.max(...times);
    const [incidents, knownAlertIds, fingerprints, silences, gapAlerts] = [
      await this.store.loadOpenIncidentsNear(manager, nodes),
      await this.store.loadKnownAlertIds(
        manager,
        alerts.map((a) => a.alertId),
      ),
      await this.store.loadFingerprints(manager, alerts.map(alertFingerprint)),
      await this.store.loadSilences(manager, new Date(earliest), new Date(latest)),
      await this.store.loadGapAlerts(manager, subjects, new Date(earliest - this.settings.windowMs)),
    ];
    const verdicts = await this.store.loadVerdicts(manager, [
      ...alerts.map((a) => ({ detector: a.detector, subject: artifactKey(a.subject) })),
      ...detectorSubjectPairs(incidents),
    ]);
    return this.engine.correlateAlerts(
      alerts,
      { knownAlertIds, fingerprints, silences, gapAlerts, graph, incidents, verdicts },
      now.getTime(),
    );
  }

  private async link(
    manager: EntityManager,
    edges: LineageEdge[],
    now: Date,
  ): Promise<CorrelationOutcome | undefined> {
    const newLinks = await this.store.recordLineage(manager, edges);
    if (newLinks.length === 0) return undefined;
    // Every path through a new edge lies within `hops` of its `from` end.
    const { nodes } = await this.store.loadSubgraph(
      manager,
      newLinks.map((l) => l.from),
      this.settings.hops,
    );
    const incidents = await this.store.loadOpenIncidentsNear(manager, nodes);
    if (incidents.length < 2) return undefined;
    const { graph } = await this.store.loadSubgraph(
      manager,
      incidents.flatMap((i) => [...i.subjects]),
      this.settings.hops,
    );
    const verdicts = await this.store.loadVerdicts(manager, detectorSubjectPairs(incidents));
    return this.engine.mergeConnected({ graph, incidents, verdicts }, now.getTime());
  }
}

function detectorSubjectPairs(
  incidents: readonly IncidentState[],
): { detector: string; subject: ArtifactKey }[] {
  return incidents.flatMap((i) =>
    [...i.detectorSubjects].flatMap(([detector, subjects]) =>
      [...subjects].map((subject) => ({ detector, subject })),
    ),
  );
}

/** Splits inputs into maximal runs of one topic, keeping their order. */
function consecutiveRuns(
  inputs: readonly CorrelationInput[],
): { topic: CorrelationInput['topic']; values: CorrelationInput['value'][] }[] {
  const runs: { topic: CorrelationInput['topic']; values: CorrelationInput['value'][] }[] = [];
  for (const input of inputs) {
    const last = runs[runs.length - 1];
    if (last && last.topic === input.topic) last.values.push(input.value);
    else runs.push({ topic: input.topic, values: [input.value] });
  }
  return runs;
}
