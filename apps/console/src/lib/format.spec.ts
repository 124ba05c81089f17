import { describe, expect, it } from 'vitest';
import { age, detailsText, severityBand } from './format';

describe('console formatting', () => {
  it('audit details leave people’s names out for a viewer', () => {
    const details = {
      assignee: 'alice',
      verdict: 'deceptive',
      acknowledgedBy: 'bob',
      note: 'n',
      nested: { x: 1 },
    };
    expect(detailsText(details, true)).toBe(
      'assignee: alice · verdict: deceptive · acknowledgedBy: bob · note: n',
    );
    expect(detailsText(details, false)).toBe('verdict: deceptive · note: n');
    expect(detailsText(null, true)).toBe('');
  });

  it('ages and severity bands', () => {
    const now = Date.parse('2026-01-02T00:00:00Z');
    expect(age('2026-01-01T23:59:30Z', now)).toBe('30s');
    expect(age('2026-01-01T23:00:00Z', now)).toBe('1h');
    expect(age('2025-12-28T00:00:00Z', now)).toBe('5d');
    expect([25, 12, 6, 1].map(severityBand)).toEqual(['critical', 'high', 'medium', 'low']);
  });
});
