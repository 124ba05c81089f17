import type { ArtifactKind, ArtifactRef, IncidentChange, Stage } from '@damon/contracts';

/** A route's matchers, all of which must hold (an empty list matches anything). */
export interface RouteMatchers {
  minSeverity: number;
  stages: readonly Stage[];
  /** A subject without id matches every artifact of its kind. */
  subjects: readonly { kind: ArtifactKind; id?: string }[];
  sendResolved: boolean;
}

export interface RoutedIncident {
  change: IncidentChange;
  severity: number;
  stages: readonly Stage[];
  subjects: readonly ArtifactRef[];
}

/** The incident changes that notify: every change but triage (acknowledgements, comments, verdicts). */
export function changeNotifies(change: IncidentChange): boolean {
  return change !== 'triaged';
}

/**
 * Whether the route sends this incident change: severity at least `minSeverity` (a resolve is sent
 * to the routes the incident matches, only when they want resolved notifications), one of the
 * route's stages, one of its subjects.
 */
export function routeMatches(route: RouteMatchers, incident: RoutedIncident): boolean {
  if (!changeNotifies(incident.change)) return false;
  if (incident.change === 'resolved' && !route.sendResolved) return false;
  if (!(incident.severity >= route.minSeverity)) return false;
  if (route.stages.length > 0 && !incident.stages.some((s) => route.stages.includes(s))) return false;
  if (
    route.subjects.length > 0 &&
    !incident.subjects.some((s) =>
      route.subjects.some((m) => m.kind === s.kind && (m.id === undefined || m.id === s.id)),
    )
  )
    return false;
  return true;
}
