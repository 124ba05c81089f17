import { describe, expect, it } from 'vitest';
import { routeMatches, type RouteMatchers, type RoutedIncident } from './route-match';

const any: RouteMatchers = { minSeverity: 0, stages: [], subjects: [], sendResolved: true };
const incident: RoutedIncident = {
  change: 'opened',
  severity: 4.2,
  stages: ['data', 'representations'],
  subjects: [
    { kind: 'dataset', id: 'ds-1' },
    { kind: 'model', id: 'm-7' },
  ],
};

describe('routeMatches', () => {
  it('matches everything without matchers, but never a triage change', () => {
    expect(routeMatches(any, incident)).toBe(true);
    expect(routeMatches(any, { ...incident, change: 'triaged' })).toBe(false);
  });

  it('needs at least the minimum severity', () => {
    expect(routeMatches({ ...any, minSeverity: 4.2 }, incident)).toBe(true);
    expect(routeMatches({ ...any, minSeverity: 4.21 }, incident)).toBe(false);
    expect(routeMatches(any, { ...incident, severity: Number.NaN })).toBe(false);
  });

  it('needs one of the stages', () => {
    expect(routeMatches({ ...any, stages: ['signals', 'data'] }, incident)).toBe(true);
    expect(routeMatches({ ...any, stages: ['signals'] }, incident)).toBe(false);
  });

  it('needs one of the subjects, by kind and id or by kind alone', () => {
    expect(routeMatches({ ...any, subjects: [{ kind: 'model', id: 'm-7' }] }, incident)).toBe(true);
    expect(routeMatches({ ...any, subjects: [{ kind: 'model', id: 'm-8' }] }, incident)).toBe(false);
    expect(routeMatches({ ...any, subjects: [{ kind: 'dataset' }] }, incident)).toBe(true);
    expect(routeMatches({ ...any, subjects: [{ kind: 'run' }] }, incident)).toBe(false);
    // The id alone does not match an artifact of another kind.
    expect(routeMatches({ ...any, subjects: [{ kind: 'run', id: 'm-7' }] }, incident)).toBe(false);
  });

  it('needs every matcher to hold', () => {
    const route = {
      ...any,
      minSeverity: 1,
      stages: ['data' as const],
      subjects: [{ kind: 'model' as const }],
    };
    expect(routeMatches(route, incident)).toBe(true);
    expect(routeMatches(route, { ...incident, stages: ['signals'] })).toBe(false);
    expect(routeMatches(route, { ...incident, severity: 0.5 })).toBe(false);
  });

  it('sends a resolve only to routes that want resolved notifications', () => {
    const resolved = { ...incident, change: 'resolved' as const };
    expect(routeMatches(any, resolved)).toBe(true);
    expect(routeMatches({ ...any, sendResolved: false }, resolved)).toBe(false);
    expect(routeMatches({ ...any, sendResolved: false }, { ...incident, change: 'updated' })).toBe(true);
  });
});
