import { describe, expect, it } from 'vitest';
import { LineageGraph } from './lineage-graph';

// G -generated-> D -trained-> R -produced-> M, and an unrelated X -trained-> Y
const graph = new LineageGraph([
  { from: 'model:G', relation: 'generated', to: 'dataset:D' },
  { from: 'dataset:D', relation: 'trained', to: 'run:R' },
  { from: 'run:R', relation: 'produced', to: 'model:M' },
  { from: 'dataset:X', relation: 'trained', to: 'run:Y' },
]);

describe('LineageGraph', () => {
  it('walks edges in both directions up to the hop limit', () => {
    expect(graph.neighbourhood('run:R', 0)).toEqual(new Set(['run:R']));
    expect(graph.neighbourhood('run:R', 1)).toEqual(new Set(['run:R', 'dataset:D', 'model:M']));
    expect(graph.neighbourhood('model:M', 2)).toEqual(new Set(['model:M', 'run:R', 'dataset:D']));
    expect(graph.neighbourhood('model:M', 3)).toEqual(new Set(['model:M', 'run:R', 'dataset:D', 'model:G']));
    expect(graph.neighbourhood('model:unknown', 3)).toEqual(new Set(['model:unknown']));
  });

  it('finds a shortest path to the nearest target, or none within reach', () => {
    const path = graph.shortestPath('model:M', new Set(['dataset:D', 'model:G']), 3);
    expect(path).toEqual([
      { from: 'run:R', relation: 'produced', to: 'model:M' },
      { from: 'dataset:D', relation: 'trained', to: 'run:R' },
    ]);
    expect(graph.shortestPath('model:M', new Set(['model:G']), 2)).toBeUndefined();
    expect(graph.shortestPath('model:M', new Set(['model:M']), 0)).toEqual([]);
    expect(graph.shortestPath('model:M', new Set(['run:Y']), 10)).toBeUndefined();
  });

  it('terminates on cycles', () => {
    const cyclic = new LineageGraph([
      { from: 'model:A', relation: 'generated', to: 'dataset:B' },
      { from: 'dataset:B', relation: 'trained', to: 'run:C' },
      { from: 'run:C', relation: 'produced', to: 'model:A' },
    ]);
    expect(cyclic.neighbourhood('model:A', 50)).toEqual(new Set(['model:A', 'dataset:B', 'run:C']));
  });
});
