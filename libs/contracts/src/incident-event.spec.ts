import { describe, expect, it } from 'vitest';
import { validateEvent } from './topics';

const v1 = {
  eventId: 'INC-1:v3:updated',
  schemaVersion: 1,
  occurredAt: '2026-11-23T12:00:00.000Z',
  subject: { kind: 'incident', id: 'INC-1' },
  change: 'updated',
  severity: 4.5,
  stages: ['data'],
  subjects: [{ kind: 'model', id: 'M1' }],
  alertIds: ['a1'],
};

describe('IncidentEvent versions', () => {
  it('still accepts version 1 messages as the correlator writes them', () => {
    expect(validateEvent('damon.incidents', v1)).toMatchObject({ ok: true, value: v1 });
  });

  it('accepts a version 2 triage change and keeps its triage part', () => {
    const v2 = {
      ...v1,
      eventId: 'INC-1:t42:verdict',
      schemaVersion: 2,
      change: 'triaged',
      triage: { action: 'verdict', verdict: 'deceptive' },
    };
    expect(validateEvent('damon.incidents', v2)).toEqual({ ok: true, value: v2 });
    const resolved = { ...v1, schemaVersion: 2, change: 'resolved', triage: { action: 'resolved' } };
    expect(validateEvent('damon.incidents', resolved).ok).toBe(true);
  });

  it('refuses a triage change in version 1, and a version 2 triaged change without its triage part', () => {
    expect(validateEvent('damon.incidents', { ...v1, change: 'triaged' }).ok).toBe(false);
    const bare = validateEvent('damon.incidents', { ...v1, schemaVersion: 2, change: 'triaged' });
    expect(bare.ok).toBe(false);
    expect(bare.ok ? '' : bare.reason).toMatch(/triage/);
    const unknown = { ...v1, schemaVersion: 2, change: 'triaged', triage: { action: 'deleted' } };
    expect(validateEvent('damon.incidents', unknown).ok).toBe(false);
  });

  it('carries no people’s names in the triage part', () => {
    const named = {
      ...v1,
      schemaVersion: 2,
      change: 'triaged',
      triage: { action: 'assigned', assigned: true, assignee: 'bob' },
    };
    const result = validateEvent('damon.incidents', named);
    // zod strips unknown keys: a producer cannot slip a name through.
    expect(result.ok && 'triage' in result.value ? result.value.triage : undefined).toEqual({
      action: 'assigned',
      assigned: true,
    });
  });
});
