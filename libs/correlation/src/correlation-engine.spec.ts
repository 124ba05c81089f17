import { describe, expect, it } from 'vitest';
import type { ArtifactKind, Stage, StageAlert } from '@damon/contracts';
import { CorrelationEngine, type AlertBatchContext, type CorrelationOutcome } from './correlation-engine';
import { alertFingerprint } from './fingerprint';
import type { GapAlert } from './inhibition';
import type { DetectorVerdicts, IncidentState } from './incident-state';
import { LineageGraph, type LineageLink } from './lineage-graph';
import { boundedPValue, fisherCombinedP, verdictWeight } from './severity';
import type { SilenceRule } from './silence-matcher';

const T0 = Date.parse('2025-01-01T12:00:00Z');
const MINUTE = 60_000;

function alert(
  id: string,
  subject: `${ArtifactKind}:${string}`,
  stage: Stage,
  detector: string,
  options: { pValue?: number; at?: number } = {},
): StageAlert {
  const [kind, subjectId] = subject.split(':') as [ArtifactKind, string];
  const at = options.at ?? T0;
  return {
    eventId: `ev-${id}`,
    schemaVersion: 1,
    occurredAt: new Date(at).toISOString(),
    subject: { kind, id: subjectId },
    alertId: id,
    stage,
    detector,
    score: 1,
    pValue: options.pValue ?? 1e-4,
    alpha: 0.01,
    evidence: {},
    window: { from: new Date(at - MINUTE).toISOString(), to: new Date(at).toISOString() },
    inputEventIds: [`in-${id}`],
  };
}

const STORY: LineageLink[] = [
  { from: 'model:G', relation: 'generated', to: 'dataset:D' },
  { from: 'dataset:D', relation: 'trained', to: 'run:R' },
  { from: 'run:R', relation: 'produced', to: 'model:M' },
];

/** A store in memory: what the database keeps between batches, as the engine sees it. */
class Harness {
  readonly engine: CorrelationEngine;
  readonly incidents = new Map<string, IncidentState>();
  readonly alertStatus = new Map<string, string>();
  readonly members = new Map<string, string>();
  readonly fingerprints = new Map<string, string>();
  readonly gapAlerts = new Map<string, GapAlert[]>();
  silences: SilenceRule[] = [];
  verdicts: DetectorVerdicts = new Map();
  graph: LineageGraph;

  constructor(
    links: LineageLink[] = [],
    readonly hops = 3,
    readonly windowMs = 60 * MINUTE,
  ) {
    this.engine = new CorrelationEngine({ hops, windowMs });
    this.graph = new LineageGraph(links);
  }

  alerts(batch: StageAlert[], now = T0): CorrelationOutcome {
    const context: AlertBatchContext = {
      knownAlertIds: new Set(this.alertStatus.keys()),
      fingerprints: this.fingerprints,
      silences: this.silences,
      gapAlerts: this.gapAlerts,
      graph: this.graph,
      incidents: [...this.incidents.values()].filter((i) => i.status === 'open').map(copy),
      verdicts: this.verdicts,
    };
    return this.apply(this.engine.correlateAlerts(batch, context, now));
  }

  link(link: LineageLink, now = T0): CorrelationOutcome {
    this.graph.add(link);
    const context = {
      graph: this.graph,
      incidents: [...this.incidents.values()].filter((i) => i.status === 'open').map(copy),
      verdicts: this.verdicts,
    };
    return this.apply(this.engine.mergeConnected(context, now));
  }

  /** Groups of alert ids per open incident, sorted, to compare outcomes. */
  groups(): string[][] {
    const byIncident = new Map<string, string[]>();
    for (const [alertId, incidentId] of this.members) {
      const final = this.resolve(incidentId);
      byIncident.set(final, [...(byIncident.get(final) ?? []), alertId].sort());
    }
    return [...byIncident.values()].sort((a, b) => a[0].localeCompare(b[0]));
  }

  resolve(incidentId: string): string {
    let i = this.incidents.get(incidentId)!;
    while (i.mergedInto) i = this.incidents.get(i.mergedInto)!;
    return i.id;
  }

  private apply(outcome: CorrelationOutcome): CorrelationOutcome {
    for (const incident of outcome.changed) {
      const stored = this.incidents.get(incident.id);
      // The store keeps every subject; the engine may have seen only some.
      const subjects = new Set([...(stored?.subjects ?? []), ...incident.subjects]);
      this.incidents.set(incident.id, { ...copy(incident), subjects });
    }
    for (const m of outcome.merges) {
      const from = this.incidents.get(m.from)!;
      const into = this.incidents.get(m.into)!;
      for (const s of from.subjects) into.subjects.add(s);
    }
    for (const r of outcome.alerts) {
      this.alertStatus.set(r.alert.alertId, r.status);
      if (r.status !== 'duplicate') this.fingerprints.set(r.fingerprint, r.alert.alertId);
      if (r.alert.detector === 'ingestion_gap' && (r.status === 'correlated' || r.status === 'silenced')) {
        const key = `${r.alert.subject.kind}:${r.alert.subject.id}`;
        const list = this.gapAlerts.get(key) ?? [];
        list.push({
          alertId: r.alert.alertId,
          occurredAt: Date.parse(r.alert.occurredAt),
          windowFrom: Date.parse(r.alert.window.from),
        });
        this.gapAlerts.set(key, list);
      }
    }
    for (const m of outcome.memberships) this.members.set(m.alertId, m.incidentId);
    return outcome;
  }
}

function copy(i: IncidentState): IncidentState {
  return {
    ...i,
    subjects: new Set(i.subjects),
    detectorMinP: new Map(i.detectorMinP),
    detectorSubjects: new Map([...i.detectorSubjects].map(([d, s]) => [d, new Set(s)])),
    stages: new Set(i.stages),
  };
}

describe('CorrelationEngine fusion', () => {
  it('tells the three-stage story as one incident, with the lineage path', () => {
    const h = new Harness(STORY);
    const out = h.alerts([
      alert('a-data', 'dataset:D', 'data', 'mmd', { pValue: 1e-4 }),
      alert('a-signal', 'run:R', 'signals', 'cusum', { pValue: 1e-3, at: T0 + 5 * MINUTE }),
      alert('a-repr', 'model:M', 'representations', 'mahalanobis', { pValue: 1e-5, at: T0 + 9 * MINUTE }),
    ]);
    expect(h.groups()).toEqual([['a-data', 'a-repr', 'a-signal']]);
    const [incident] = out.changed;
    expect(out.changed).toHaveLength(1);
    expect([...incident.stages].sort()).toEqual(['data', 'representations', 'signals']);
    expect([...incident.subjects].sort()).toEqual(['dataset:D', 'model:M', 'run:R']);
    // Fisher over the softly bounded p-values, + 2 stages, + persistence log10(1 + 9 min / 10 min)
    // for alerts spread over 9 minutes.
    const evidence = -Math.log10(fisherCombinedP([1e-4, 1e-3, 1e-5].map(boundedPValue)));
    expect(incident.severityTerms).toEqual({
      evidence: expect.closeTo(evidence, 9) as number,
      flaggedCount: 0,
      stages: 2,
      persistence: expect.closeTo(Math.log10(1.9), 9) as number,
    });
    expect(incident.severity).toBeCloseTo(evidence + 2 + Math.log10(1.9), 9);
    const paths = out.timeline.filter((t) => t.kind === 'alert_added').map((t) => t.details['path']);
    expect(paths).toEqual([
      [],
      [{ from: 'dataset:D', relation: 'trained', to: 'run:R' }],
      [{ from: 'run:R', relation: 'produced', to: 'model:M' }],
    ]);
    // Not announced yet: group_wait has not elapsed, so nothing to publish.
    expect(out.announcements).toEqual([]);
  });

  it('keeps unrelated alerts apart', () => {
    const h = new Harness([...STORY, { from: 'dataset:X', relation: 'trained', to: 'run:Y' }]);
    h.alerts([
      alert('a1', 'dataset:D', 'data', 'mmd'),
      alert('a2', 'run:Y', 'signals', 'cusum'),
      alert('a3', 'model:Z', 'representations', 'pca'),
    ]);
    expect(h.groups()).toEqual([['a1'], ['a2'], ['a3']]);
  });

  it('fuses within the hop limit only', () => {
    // G and M are three hops apart.
    expect(
      new Harness(STORY, 3).alerts([
        alert('a1', 'model:G', 'data', 'x'),
        alert('a2', 'model:M', 'representations', 'y'),
      ]).changed,
    ).toHaveLength(1);
    const h = new Harness(STORY, 2);
    h.alerts([alert('a1', 'model:G', 'data', 'x'), alert('a2', 'model:M', 'representations', 'y')]);
    expect(h.groups()).toEqual([['a1'], ['a2']]);
  });

  it('fuses within the time window only', () => {
    const h = new Harness(STORY, 3, 60 * MINUTE);
    h.alerts([alert('a1', 'dataset:D', 'data', 'mmd')]);
    h.alerts([alert('a2', 'run:R', 'signals', 'cusum', { at: T0 + 60 * MINUTE })]);
    h.alerts([alert('a3', 'run:R', 'signals', 'cusum', { at: T0 + 200 * MINUTE })]);
    expect(h.groups()).toEqual([['a1', 'a2'], ['a3']]);
  });

  it('merges two incidents into the older one when an alert connects them', () => {
    // D and M are 2 hops apart each way from R... with hops=1 D and M are not connected, R connects both.
    const h = new Harness(STORY, 1);
    h.alerts([
      alert('a-d', 'dataset:D', 'data', 'mmd'),
      alert('a-m', 'model:M', 'representations', 'maha', { at: T0 + MINUTE }),
    ]);
    expect(h.groups()).toEqual([['a-d'], ['a-m']]);
    // Both were announced (group_wait elapsed) before the connecting alert.
    for (const i of h.incidents.values()) i.announced = true;
    const older = h.resolve(h.members.get('a-d')!);
    const younger = h.resolve(h.members.get('a-m')!);
    const out = h.alerts([alert('a-r', 'run:R', 'signals', 'cusum', { at: T0 + 2 * MINUTE })]);
    expect(h.groups()).toEqual([['a-d', 'a-m', 'a-r']]);
    expect(h.resolve(younger)).toBe(older);
    expect(out.merges).toEqual([{ from: younger, into: older }]);
    expect(out.announcements).toEqual([
      { incidentId: older, change: 'updated' },
      { incidentId: younger, change: 'merged', mergedInto: older },
    ]);
    expect(
      out.timeline
        .filter((t) => t.kind === 'merged' || t.kind === 'merged_into')
        .map((t) => [t.incidentId, t.kind]),
    ).toEqual([
      [older, 'merged'],
      [younger, 'merged_into'],
    ]);
    const survivor = h.incidents.get(older)!;
    expect(survivor.alertCount).toBe(3);
    expect([...survivor.stages].sort()).toEqual(['data', 'representations', 'signals']);
  });

  it('merges incidents that a late lineage edge connects', () => {
    const h = new Harness([]);
    h.alerts([
      alert('a-d', 'dataset:D', 'data', 'mmd'),
      alert('a-r', 'run:R', 'signals', 'cusum', { at: T0 + MINUTE }),
    ]);
    expect(h.groups()).toEqual([['a-d'], ['a-r']]);
    const unrelated = h.link({ from: 'model:Q', relation: 'generated', to: 'dataset:Z' });
    expect(unrelated.merges).toEqual([]);
    const out = h.link({ from: 'dataset:D', relation: 'trained', to: 'run:R' });
    expect(h.groups()).toEqual([['a-d', 'a-r']]);
    expect(out.merges).toHaveLength(1);
    const note = out.timeline.find((t) => t.kind === 'merged')!;
    expect(note.details['path']).toEqual([{ from: 'dataset:D', relation: 'trained', to: 'run:R' }]);
    // Neither was announced: the survivor's `opened` will tell the whole story, nothing to publish now.
    expect(out.announcements).toEqual([]);
  });

  it('announces the survivor at once when it absorbs an announced incident', () => {
    const h = new Harness([]);
    h.alerts([
      alert('a-d', 'dataset:D', 'data', 'mmd'),
      alert('a-r', 'run:R', 'signals', 'cusum', { at: T0 + MINUTE }),
    ]);
    const younger = h.resolve(h.members.get('a-r')!);
    h.incidents.get(younger)!.announced = true;
    const out = h.link({ from: 'dataset:D', relation: 'trained', to: 'run:R' });
    const older = h.resolve(younger);
    expect(out.announcements).toEqual([
      { incidentId: older, change: 'opened' },
      { incidentId: younger, change: 'merged', mergedInto: older },
    ]);
  });

  it('dedups by alert id (nothing recorded) and by fingerprint (recorded as duplicate)', () => {
    const h = new Harness(STORY);
    const first = alert('a1', 'dataset:D', 'data', 'mmd');
    h.alerts([first]);
    const again = h.alerts([first, { ...first, eventId: 'other-event' }]);
    expect(again.alerts).toEqual([]);
    expect(again.changed).toEqual([]);
    const sameFinding = { ...first, alertId: 'a2', eventId: 'ev-a2', pValue: 1e-9 };
    const out = h.alerts([sameFinding]);
    expect(out.alerts.map((a) => [a.status, a.duplicateOf])).toEqual([['duplicate', 'a1']]);
    expect(out.changed).toEqual([]);
    expect(alertFingerprint(sameFinding)).toBe(alertFingerprint(first));
  });

  it('records silenced alerts without opening incidents', () => {
    const h = new Harness(STORY);
    h.silences = [
      {
        id: 'sil-1',
        matchers: { subjectId: 'D', detector: 'mmd' },
        startsAt: new Date(T0 - MINUTE),
        endsAt: new Date(T0 + MINUTE),
      },
    ];
    const out = h.alerts([
      alert('a1', 'dataset:D', 'data', 'mmd'),
      alert('a2', 'dataset:D', 'data', 'ks'),
      alert('a3', 'dataset:D', 'data', 'mmd', { at: T0 + 2 * MINUTE }),
    ]);
    expect(out.alerts.map((a) => [a.alert.alertId, a.status, a.silenceId])).toEqual([
      ['a1', 'silenced', 'sil-1'],
      ['a2', 'correlated', null],
      ['a3', 'correlated', null],
    ]);
    expect(h.groups()).toEqual([['a2', 'a3']]);
  });

  it('inhibits other alerts on a subject while an ingestion-gap alert is active there', () => {
    const h = new Harness(STORY, 3, 30 * MINUTE);
    h.alerts([alert('gap', 'dataset:D', 'data', 'ingestion_gap')]);
    const out = h.alerts([
      alert('on-d', 'dataset:D', 'data', 'mmd', { at: T0 + 10 * MINUTE }),
      alert('on-r', 'run:R', 'signals', 'cusum', { at: T0 + 10 * MINUTE }),
      alert('later', 'dataset:D', 'data', 'ks', { at: T0 + 31 * MINUTE }),
    ]);
    expect(out.alerts.map((a) => [a.alert.alertId, a.status, a.inhibitedBy])).toEqual([
      ['on-d', 'inhibited', 'gap'],
      ['on-r', 'correlated', null],
      ['later', 'correlated', null],
    ]);
  });

  it('yields the same groups whatever the order of subjects and batching', () => {
    const links: LineageLink[] = [
      ...STORY,
      { from: 'dataset:X', relation: 'trained', to: 'run:Y' },
      { from: 'run:Y', relation: 'produced', to: 'model:Z' },
    ];
    const alerts = [
      alert('1', 'dataset:D', 'data', 'mmd'),
      alert('2', 'run:R', 'signals', 'cusum', { at: T0 + MINUTE }),
      alert('3', 'model:M', 'representations', 'maha', { at: T0 + 2 * MINUTE }),
      alert('4', 'dataset:X', 'data', 'mmd', { at: T0 + 3 * MINUTE }),
      alert('5', 'model:Z', 'representations', 'maha', { at: T0 + 4 * MINUTE }),
      alert('6', 'model:U', 'representations', 'maha', { at: T0 + 5 * MINUTE }),
    ];
    const reference = new Harness(links, 2);
    reference.alerts(alerts);
    expect(reference.groups()).toEqual([['1', '2', '3'], ['4', '5'], ['6']]);
    let seed = 3;
    const random = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (let trial = 0; trial < 50; trial++) {
      const h = new Harness(links, 2);
      const shuffled = [...alerts].sort(() => random() - 0.5);
      const cut = Math.floor(random() * shuffled.length);
      h.alerts(shuffled.slice(0, cut));
      h.alerts(shuffled.slice(cut));
      expect(h.groups()).toEqual(reference.groups());
    }
  });

  it('weighs a detector by its verdicts on the subjects it alerted on, nowhere else', () => {
    const h = new Harness();
    h.verdicts = new Map([['mmd', new Map([['dataset:D', { benign: 20, deceptive: 0 }]])]]);
    const [onD] = h.alerts([alert('d', 'dataset:D', 'data', 'mmd', { pValue: 1e-8 })]).changed;
    const [onE] = h.alerts([alert('e', 'dataset:E', 'data', 'mmd', { pValue: 1e-8 })]).changed;
    const w = verdictWeight({ benign: 20, deceptive: 0 });
    const full = -Math.log10(boundedPValue(1e-8));
    expect(onE.severityTerms.detectorWeights).toBeUndefined();
    expect(onE.severity).toBeCloseTo(full, 9);
    expect(onD.severity).toBeCloseTo(w * full, 9);
    expect(onD.severityTerms.detectorWeights).toEqual([
      { detector: 'mmd', weight: w, benign: 20, deceptive: 0, subjects: [{ kind: 'dataset', id: 'D' }] },
    ]);
  });

  it('keeps the weights through a merge and shows them in the merged timeline entry', () => {
    const h = new Harness();
    h.verdicts = new Map([['mmd', new Map([['dataset:D', { benign: 3, deceptive: 1 }]])]]);
    h.alerts([alert('d', 'dataset:D', 'data', 'mmd', { pValue: 1e-6 })]);
    h.alerts([alert('r', 'run:R', 'signals', 'cusum', { pValue: 1e-6, at: T0 + MINUTE })]);
    const out = h.link({ from: 'dataset:D', relation: 'trained', to: 'run:R' });
    const merged = out.timeline.find((t) => t.kind === 'merged')!;
    const weights = [
      {
        detector: 'mmd',
        weight: verdictWeight({ benign: 3, deceptive: 1 }),
        benign: 3,
        deceptive: 1,
        subjects: [{ kind: 'dataset', id: 'D' }],
      },
    ];
    expect(merged.details['severityTerms']).toMatchObject({ detectorWeights: weights });
    const survivor = out.changed.find((i) => i.status === 'open')!;
    expect(survivor.severityTerms.detectorWeights).toEqual(weights);
    expect(merged.details['severity']).toBe(survivor.severity);
  });
});
