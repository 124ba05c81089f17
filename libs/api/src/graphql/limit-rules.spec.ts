import 'reflect-metadata';
import {
  buildSchema,
  parse,
  specifiedRules,
  validate,
  type OperationDefinitionNode,
  type ValidationRule,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  complexityLimitRule,
  DEFAULT_LIST_SIZE,
  estimateComplexity,
  ROOT_FIELD_COST,
} from './complexity-limit.rule';
import { depthLimitRule } from './depth-limit.rule';

const schema = buildSchema(`
  type Query { node: Node, nodes(first: Int = 5): [Node!]!, tags: [String!]! }
  type Node { id: ID!, child: Node, children(first: Int): [Node!]! }
`);

function errors(query: string, rules = [depthLimitRule(3), complexityLimitRule(100, 20)]): string[] {
  return validate(schema, parse(query), [...specifiedRules, ...rules]).map((e) => e.message);
}

/** 20 fragments, each spreading the next twice: 2^20 paths through a document under 1 kB. */
function exponentialQuery(fragments = 20): string {
  const parts = ['{ node { ...F0 } }'];
  for (let i = 0; i < fragments; i++) {
    parts.push(
      i < fragments - 1
        ? `fragment F${i} on Node { id ...F${i + 1} child { ...F${i + 1} } }`
        : `fragment F${i} on Node { id }`,
    );
  }
  return parts.join('\n');
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

  it('measures each fragment once: nested double spreads give the exact depth', () => {
    // node + (child per fragment level) + id: F0..F18 each add one child level.
    expect(errors(exponentialQuery(), [depthLimitRule(100)])).toEqual([]);
    expect(errors(exponentialQuery(), [depthLimitRule(20)])).toEqual([
      'query depth 21 exceeds the limit of 20',
    ]);
  });
});

describe('complexityLimitRule', () => {
  const cost = (query: string, rules: ValidationRule[] = []): number => {
    const document = parse(query);
    let result = -1;
    const capture: ValidationRule = (context) => ({
      OperationDefinition(operation: OperationDefinitionNode) {
        result = estimateComplexity(context, operation, 20);
      },
    });
    validate(schema, document, [...rules, capture]);
    return result;
  };

  it('multiplies what a list selects by its first argument, default, or the assumed list size', () => {
    // nodes: root field + 5 (default first) × id (1)
    expect(cost('{ nodes { id } }')).toBe(ROOT_FIELD_COST + 5);
    expect(cost('{ nodes(first: 7) { id child { id } } }')).toBe(ROOT_FIELD_COST + 7 * 3);
    // A variable counts as the largest page; children without first: DEFAULT_LIST_SIZE.
    expect(cost('query($n: Int) { nodes(first: $n) { children { id } } }')).toBe(
      ROOT_FIELD_COST + 20 * (1 + DEFAULT_LIST_SIZE),
    );
  });

  it('costs every aliased root field as a lookup of its own', () => {
    const aliases = Array.from({ length: 50 }, (_, i) => `n${i}: node { id }`).join(' ');
    expect(cost(`{ ${aliases} }`)).toBe(50 * (ROOT_FIELD_COST + 1));
    expect(cost(`{ ...R } fragment R on Query { a: node { id } b: node { id } }`)).toBe(
      2 * (ROOT_FIELD_COST + 1),
    );
  });

  it('memoises fragments: the exponential document gets its exact cost from a linear walk', () => {
    // c(F19) = 1; c(Fi) = 1 + c(Fi+1) + (1 + c(Fi+1)) = 2 + 2 c(Fi+1)  =>  c(F0) = 3 * 2^19 - 2.
    expect(cost(exponentialQuery())).toBe(ROOT_FIELD_COST + 3 * 2 ** 19 - 2);
  });

  it('rejects operations over the limit, stopping at the first partial cost over it', () => {
    expect(errors('{ nodes(first: 20) { children(first: 20) { id } } }')).toEqual([
      'query complexity exceeds the limit of 100 (at least 430)',
    ]);
    const [message] = errors(exponentialQuery(), [complexityLimitRule(5000, 20)]);
    const atLeast = Number(/at least (\d+)/.exec(message)![1]);
    expect(atLeast).toBeGreaterThan(5000);
    expect(atLeast).toBeLessThan(ROOT_FIELD_COST + 3 * 2 ** 19 - 2);
  });
});
