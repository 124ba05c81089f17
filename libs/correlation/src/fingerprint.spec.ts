import { describe, expect, it } from 'vitest';
import { alertFingerprint } from './fingerprint';

const base = {
  detector: 'mmd',
  subject: { kind: 'dataset' as const, id: 'D' },
  window: { from: '2025-01-01T00:00:00Z', to: '2025-01-01T01:00:00Z' },
};

describe('alertFingerprint', () => {
  it('is equal for the same detector, subject and window, however the instants are written', () => {
    const same = {
      ...base,
      window: { from: '2025-01-01T00:00:00.000+00:00', to: '2025-01-01T02:00:00+01:00' },
    };
    expect(alertFingerprint(same)).toBe(alertFingerprint(base));
  });

  it.each([
    ['detector', { ...base, detector: 'ks' }],
    ['subject kind', { ...base, subject: { kind: 'model' as const, id: 'D' } }],
    ['subject id', { ...base, subject: { kind: 'dataset' as const, id: 'D2' } }],
    ['window start', { ...base, window: { ...base.window, from: '2025-01-01T00:00:01Z' } }],
    ['window end', { ...base, window: { ...base.window, to: '2025-01-01T01:00:01Z' } }],
  ])('changes with the %s', (_name, other) => {
    expect(alertFingerprint(other)).not.toBe(alertFingerprint(base));
  });

  it('does not collide when fields are shifted between detector and subject id', () => {
    const a = { ...base, detector: 'a:b', subject: { kind: 'dataset' as const, id: 'c' } };
    const b = { ...base, detector: 'a', subject: { kind: 'dataset' as const, id: 'b:c' } };
    expect(alertFingerprint(a)).not.toBe(alertFingerprint(b));
  });
});
