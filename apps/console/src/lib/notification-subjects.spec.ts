import { describe, expect, it } from 'vitest';
import { parseSubjects, subjectsText } from './notification-subjects';

describe('route subjects as text', () => {
  it('parses one kind and optional id per line or comma', () => {
    expect(parseSubjects(' model m-1\ndataset , RUN r 2\n\n')).toEqual([
      { kind: 'MODEL', id: 'm-1' },
      { kind: 'DATASET' },
      { kind: 'RUN', id: 'r 2' },
    ]);
    expect(parseSubjects('  ')).toEqual([]);
  });

  it('names an entry with an unknown kind', () => {
    expect(() => parseSubjects('model m-1\nmodle m-2')).toThrow(/“modle m-2”/);
  });

  it('prints what it parses', () => {
    expect(subjectsText([])).toBe('any');
    expect(
      subjectsText([
        { kind: 'MODEL', id: 'm-1' },
        { kind: 'DATASET', id: null },
      ]),
    ).toBe('model m-1, dataset (any)');
  });
});
