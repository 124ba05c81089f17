import {
  getNamedType,
  getNullableType,
  GraphQLError,
  isCompositeType,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  OperationTypeNode,
  type ASTVisitor,
  type GraphQLCompositeType,
  type GraphQLField,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
  type FieldNode,
} from 'graphql';

/** Assumed length of a list field that takes no `first` argument. */
export const DEFAULT_LIST_SIZE = 10;

/**
 * Cost of a root field (each alias counted): a root field is a database lookup of its own, so
 * 1,000 aliased `incident(id:)` lookups cost 10,000, not 1,000.
 */
export const ROOT_FIELD_COST = 10;

/** Thrown inside the walk once a partial cost is over the limit: the total can only be larger. */
class OverLimit extends Error {
  constructor(readonly atLeast: number) {
    super(`cost at least ${atLeast}`);
  }
}

/**
 * Rejects operations whose estimated cost exceeds `maxComplexity`. Each field costs 1 (a root field
 * ROOT_FIELD_COST); the cost of what a list field selects is multiplied by its length: its `first`
 * argument (a variable counts as `maxPageSize`, the worst it may be), its default, or
 * DEFAULT_LIST_SIZE. A connection's `edges` are already counted by the connection's `first`.
 *
 * Hand-written rather than graphql-query-complexity, whose estimator walks a fragment again at each
 * spread (exponential in nested spreads). Here a fragment's cost is computed once per document (it
 * depends only on the fragment), and the walk stops as soon as any partial cost passes the limit.
 */
export function complexityLimitRule(maxComplexity: number, maxPageSize: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const estimator = new CostEstimator(context, maxPageSize, maxComplexity);
    return {
      OperationDefinition(operation) {
        const cost = estimator.operationCost(operation);
        if (cost > maxComplexity) {
          context.reportError(
            new GraphQLError(`query complexity exceeds the limit of ${maxComplexity} (at least ${cost})`, {
              nodes: [operation],
              extensions: { limit: 'complexity', max: maxComplexity, atLeast: cost },
            }),
          );
        }
      },
    };
  };
}

/** The estimate itself, exposed for tests: exact when under `stopAbove`, else a lower bound above it. */
export function estimateComplexity(
  context: ValidationContext,
  operation: OperationDefinitionNode,
  maxPageSize: number,
  stopAbove = Number.MAX_SAFE_INTEGER,
): number {
  return new CostEstimator(context, maxPageSize, stopAbove).operationCost(operation);
}

class CostEstimator {
  private readonly fragmentCost = new Map<string, number>();
  private readonly inProgress = new Set<string>();

  constructor(
    private readonly context: ValidationContext,
    private readonly maxPageSize: number,
    private readonly stopAbove: number,
  ) {}

  operationCost(operation: OperationDefinitionNode): number {
    const schema = this.context.getSchema();
    const root =
      operation.operation === OperationTypeNode.QUERY
        ? schema.getQueryType()
        : operation.operation === OperationTypeNode.MUTATION
          ? schema.getMutationType()
          : schema.getSubscriptionType();
    if (!root) return 0;
    try {
      return this.selectionCost(operation.selectionSet, root, ROOT_FIELD_COST);
    } catch (error) {
      if (!(error instanceof OverLimit)) throw error;
      this.inProgress.clear();
      return error.atLeast;
    }
  }

  private selectionCost(selectionSet: SelectionSetNode, parent: GraphQLCompositeType, fieldCost = 1): number {
    let total = 0;
    for (const selection of selectionSet.selections) {
      switch (selection.kind) {
        case Kind.FIELD: {
          if (selection.name.value.startsWith('__')) break;
          const field = fieldOf(parent, selection.name.value);
          if (!field) break;
          total += fieldCost;
          const child = getNamedType(field.type);
          if (selection.selectionSet && isCompositeType(child)) {
            total +=
              listSize(selection, field, this.maxPageSize) *
              this.selectionCost(selection.selectionSet, child);
          }
          break;
        }
        case Kind.INLINE_FRAGMENT: {
          const typeName = selection.typeCondition?.name.value;
          const type = typeName ? this.context.getSchema().getType(typeName) : parent;
          if (type && isCompositeType(type))
            total += this.selectionCost(selection.selectionSet, type, fieldCost);
          break;
        }
        case Kind.FRAGMENT_SPREAD:
          // Fragments spread at the root cost what they select as root fields.
          total += this.spreadCost(selection.name.value, fieldCost);
          break;
      }
      if (total > this.stopAbove) throw new OverLimit(total);
    }
    return total;
  }

  private spreadCost(name: string, fieldCost: number): number {
    const key = `${fieldCost}:${name}`;
    const known = this.fragmentCost.get(key);
    if (known !== undefined) return known;
    // A fragment cycle is reported by NoFragmentCyclesRule; here it just stops the walk.
    if (this.inProgress.has(key)) return 0;
    const fragment = this.context.getFragment(name);
    const type = fragment ? this.context.getSchema().getType(fragment.typeCondition.name.value) : undefined;
    if (!fragment || !type || !isCompositeType(type)) return 0;
    this.inProgress.add(key);
    const cost = this.selectionCost(fragment.selectionSet, type, fieldCost);
    this.inProgress.delete(key);
    this.fragmentCost.set(key, cost);
    return cost;
  }
}

function fieldOf(parent: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
  return isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
}

function listSize(node: FieldNode, field: GraphQLField<unknown, unknown>, maxPageSize: number): number {
  const firstArgument = node.arguments?.find((a) => a.name.value === 'first');
  if (firstArgument) {
    if (firstArgument.value.kind === Kind.INT)
      return Math.max(1, Math.min(Number(firstArgument.value.value), maxPageSize));
    if (firstArgument.value.kind === Kind.VARIABLE) return maxPageSize;
  }
  const firstDefault = field.args.find((a) => a.name === 'first')?.defaultValue;
  if (typeof firstDefault === 'number') return firstDefault;
  if (!isListType(getNullableType(field.type))) return 1;
  return node.name.value === 'edges' ? 1 : DEFAULT_LIST_SIZE;
}
