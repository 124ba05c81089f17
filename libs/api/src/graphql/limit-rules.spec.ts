import 'reflect-metadata';
import { buildSchema, parse, specifiedRules, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { complexityLimitRule, DEFAULT_LIST_SIZE } from './complexity-limit.rule';
import { depthLimitRule } from './depth-limit.rule';

const schema = buildSchema(`
  type Query { node: Node, nodes(first: Int = 5): [Node!]!, tags: [String!]! }
  type Node { id: ID!, child: Node, children(first: Int): [Node!]! }
`);

function errors(query: string, rules = [depthLimitRule(3), complexityLimitRule(100, 20)]): string[] {
  return validate(schema, parse(query), [...specifiedRules, ...rules]).map((e) => e.message);
}

describe('depthLimitRule', () => {
  it('accepts depth up to the limit and rejects one level more, through fragments too', () => {
    expect(errors('{ node { child { id } } }')).toEqual([]);
    expect(errors('{ node { child { child { id } } } }')).toEqual(['query depth 4 exceeds the limit of 3']);
    expect(errors('{ node { ...F } } fragment F on Node { child { child { id } } }')).toEqual([
      'query depth 4 exceeds the limit of 3',
    ]);
  });

  it('does not count introspection', () => {
    expect(errors('{ __schema { types { fields { type { ofType { name } } } } } }')).toEqual([]);
  });
});

describe('complexityLimitRule', () => {
  const cost = (query: string): number => {
    const [message] = errors(query, [complexityLimitRule(0, 20)]);
    return Number(/complexity (\d+)/.exec(message)![1]);
  };

  it('multiplies what a list selects by its first argument, default, or the assumed list size', () => {
    // nodes: 1 + 5 (default first) × id (1)
    expect(cost('{ nodes { id } }')).toBe(1 + 5);
    expect(cost('{ nodes(first: 7) { id child { id } } }')).toBe(1 + 7 * 3);
    // A variable counts as the largest page; children without first: DEFAULT_LIST_SIZE.
    expect(cost('query($n: Int) { nodes(first: $n) { children { id } } }')).toBe(
      1 + 20 * (1 + DEFAULT_LIST_SIZE),
    );
  });

  it('rejects operations over the limit', () => {
    expect(errors('{ nodes(first: 20) { children(first: 20) { id } } }')).toEqual([
      'query complexity 421 exceeds the limit of 100',
    ]);
  });
});
