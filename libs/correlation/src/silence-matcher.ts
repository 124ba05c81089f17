import type { ArtifactKind, Stage, StageAlert } from '@damon/contracts';

/** Equality matchers, all of which must hold (Alertmanager's `=` matchers). */
export interface SilenceMatchers {
  detector?: string;
  subjectKind?: ArtifactKind;
  subjectId?: string;
  stage?: Stage;
}

export interface SilenceRule {
  id: string;
  matchers: SilenceMatchers;
  /** The silence covers alerts whose event time lies in [startsAt, endsAt). */
  startsAt: Date;
  endsAt: Date;
}

const MATCHER_KEYS = ['detector', 'subjectKind', 'subjectId', 'stage'] as const;

/** A silence without any matcher would mute everything: refused, as Alertmanager does. */
export function hasAnyMatcher(matchers: SilenceMatchers): boolean {
  return MATCHER_KEYS.some((k) => matchers[k] !== undefined);
}

/**
 * Whether the silence mutes the alert. Time is the alert's event time, not the wall clock, so a
 * replay of the alert topic silences exactly what the first pass silenced.
 */
export function silenceMatches(
  silence: SilenceRule,
  alert: Pick<StageAlert, 'detector' | 'subject' | 'stage' | 'occurredAt'>,
): boolean {
  const m = silence.matchers;
  if (!hasAnyMatcher(m)) return false;
  const at = Date.parse(alert.occurredAt);
  if (at < silence.startsAt.getTime() || at >= silence.endsAt.getTime()) return false;
  return (
    (m.detector === undefined || m.detector === alert.detector) &&
    (m.subjectKind === undefined || m.subjectKind === alert.subject.kind) &&
    (m.subjectId === undefined || m.subjectId === alert.subject.id) &&
    (m.stage === undefined || m.stage === alert.stage)
  );
}

/** The first silence (in the given order) that mutes the alert. */
export function findSilence(
  silences: readonly SilenceRule[],
  alert: Pick<StageAlert, 'detector' | 'subject' | 'stage' | 'occurredAt'>,
): SilenceRule | undefined {
  return silences.find((s) => silenceMatches(s, alert));
}
