import { describe, expect, it } from 'vitest';
import { readEvidence } from './evidence';

describe('reading alert evidence', () => {
  it('a representation alert: reference histogram with the current score, and per-layer bars', () => {
    const view = readEvidence('representation-fused', {
      itemId: 'x1',
      topLayers: [
        { detector: 'gaussian', layer: 'layer.12', score: 9.5, pValue: 0.001 },
        { detector: 'gaussian', layer: 'layer.6', score: 2.1, pValue: 0.2 },
      ],
      referenceHistogram: {
        detector: 'gaussian',
        layer: 'layer.12',
        edges: [0, 1, 2],
        counts: [5, 3],
        current: 9.5,
      },
    });
    expect(view.panels.map((p) => p.type)).toEqual(['histogram', 'layers']);
    expect(view.panels[0]).toMatchObject({ edges: [0, 1, 2], counts: [5, 3], current: 9.5 });
    expect(view.panels[1]).toMatchObject({
      title: 'Per-layer scores',
      bars: [{ layer: 'layer.12', score: 9.5 }, { layer: 'layer.6' }],
    });
    expect(view.facts).toContainEqual(['itemId', 'x1']);
  });

  it('a change point: the recent series with its change step and reference band', () => {
    const view = readEvidence('page-hinkley', {
      stream: 'reward',
      changeStep: 41,
      referenceMean: 0.5,
      referenceSd: 0.1,
      recent: [
        { step: 40, value: 0.5 },
        { step: 41, value: 0.9 },
        { step: 42, value: 1.1 },
      ],
    });
    expect(view.panels).toEqual([
      {
        type: 'series',
        title: 'Training signal: reward',
        points: [
          [40, 0.5],
          [41, 0.9],
          [42, 1.1],
        ],
        changeAt: 41,
        referenceMean: 0.5,
        referenceSd: 0.1,
      },
    ]);
  });

  it('an oversight-cue alert: labels the per-layer bars as the observed/unobserved difference, reads pairs', () => {
    const view = readEvidence('oversight-contrast', {
      topLayers: [{ layer: 'l3', score: 4 }],
      pairs: [{ layer: 'l3', observed: 0.2, unobserved: 1.4 }],
    });
    expect(view.panels.map((p) => p.title)).toEqual([
      'Observed vs unobserved difference per layer',
      'Paired observed / unobserved',
    ]);
    expect(view.panels[1]).toMatchObject({ items: [{ label: 'l3', observed: 0.2, unobserved: 1.4 }] });
  });

  it('tolerates shapes it does not know: malformed parts are dropped, scalars kept as facts', () => {
    const view = readEvidence('mmd', {
      mmd2: 0.12,
      referenceHistogram: { edges: [0, 1], counts: [1, 2, 3] },
      recent: 'not a list',
      topLayers: [{ layer: 3 }],
      nested: { deep: { deeper: true } },
      subject: { kind: 'model', id: 'm1' },
    });
    expect(view.panels).toEqual([]);
    expect(view.facts).toEqual([
      ['mmd2', '0.12'],
      ['recent', 'not a list'],
      ['subject', 'model:m1'],
    ]);
    expect(readEvidence('x', null)).toEqual({ panels: [], facts: [] });
    expect(readEvidence('x', 3)).toEqual({ panels: [], facts: [['value', '3']] });
  });
});
