import { describe, expect, it } from 'vitest';
import { findSilence, hasAnyMatcher, silenceMatches, type SilenceRule } from './silence-matcher';

const alert = {
  detector: 'mmd',
  subject: { kind: 'dataset' as const, id: 'D' },
  stage: 'data' as const,
  occurredAt: '2025-01-01T12:00:00Z',
};

function silence(
  matchers: SilenceRule['matchers'],
  startsAt = '2025-01-01T00:00:00Z',
  endsAt = '2025-01-02T00:00:00Z',
): SilenceRule {
  return { id: 's', matchers, startsAt: new Date(startsAt), endsAt: new Date(endsAt) };
}

describe('silence matching', () => {
  it.each([
    [{ detector: 'mmd' }],
    [{ subjectKind: 'dataset' as const }],
    [{ subjectId: 'D' }],
    [{ stage: 'data' as const }],
    [{ detector: 'mmd', subjectKind: 'dataset' as const, subjectId: 'D', stage: 'data' as const }],
  ])('matches when every given matcher holds: %j', (matchers) => {
    expect(silenceMatches(silence(matchers), alert)).toBe(true);
  });

  it.each([
    [{ detector: 'ks' }],
    [{ subjectKind: 'model' as const }],
    [{ subjectId: 'E' }],
    [{ stage: 'signals' as const }],
    [{ detector: 'mmd', subjectId: 'E' }],
  ])('does not match when one matcher fails: %j', (matchers) => {
    expect(silenceMatches(silence(matchers), alert)).toBe(false);
  });

  it('covers [startsAt, endsAt) of the alert event time', () => {
    expect(silenceMatches(silence({ detector: 'mmd' }, '2025-01-01T12:00:00Z'), alert)).toBe(true);
    expect(
      silenceMatches(silence({ detector: 'mmd' }, '2025-01-01T00:00:00Z', '2025-01-01T12:00:00Z'), alert),
    ).toBe(false);
    expect(silenceMatches(silence({ detector: 'mmd' }, '2025-01-01T12:00:01Z'), alert)).toBe(false);
  });

  it('never lets a silence without matchers mute everything', () => {
    expect(hasAnyMatcher({})).toBe(false);
    expect(silenceMatches(silence({}), alert)).toBe(false);
  });

  it('finds the first matching silence', () => {
    const rules = [
      { ...silence({ detector: 'ks' }), id: 'a' },
      { ...silence({ stage: 'data' }), id: 'b' },
      { ...silence({ subjectId: 'D' }), id: 'c' },
    ];
    expect(findSilence(rules, alert)?.id).toBe('b');
    expect(findSilence(rules.slice(0, 1), alert)).toBeUndefined();
  });
});
