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
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
  type FieldNode,
} from 'graphql';

/** Assumed length of a list field that takes no `first` argument. */
export const DEFAULT_LIST_SIZE = 10;

/**
 * Rejects operations whose estimated cost exceeds `maxComplexity`. Each field costs 1; the cost of
 * what a list field selects is multiplied by its length: its `first` argument (a variable counts as
 * `maxPageSize`, the worst it may be), its default, or DEFAULT_LIST_SIZE. A connection's `edges`
 * are already counted by the connection's `first`.
 */
export function complexityLimitRule(maxComplexity: number, maxPageSize: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(operation) {
      const schema = context.getSchema();
      const root =
        operation.operation === OperationTypeNode.QUERY
          ? schema.getQueryType()
          : operation.operation === OperationTypeNode.MUTATION
            ? schema.getMutationType()
            : schema.getSubscriptionType();
      if (!root) return;
      const cost = selectionCost(operation.selectionSet, root, context, maxPageSize, new Set());
      if (cost > maxComplexity) {
        context.reportError(
          new GraphQLError(`query complexity ${cost} exceeds the limit of ${maxComplexity}`, {
            nodes: [operation],
            extensions: { limit: 'complexity', max: maxComplexity, actual: cost },
          }),
        );
      }
    },
  });
}

function selectionCost(
  selectionSet: SelectionSetNode,
  parent: GraphQLCompositeType,
  context: ValidationContext,
  maxPageSize: number,
  fragmentsInPath: Set<string>,
): number {
  let total = 0;
  for (const selection of selectionSet.selections) {
    switch (selection.kind) {
      case Kind.FIELD: {
        if (selection.name.value.startsWith('__')) break;
        const field = fieldOf(parent, selection.name.value);
        if (!field) break;
        total += 1;
        const child = getNamedType(field.type);
        if (selection.selectionSet && isCompositeType(child)) {
          total +=
            listSize(selection, field, maxPageSize) *
            selectionCost(selection.selectionSet, child, context, maxPageSize, fragmentsInPath);
        }
        break;
      }
      case Kind.INLINE_FRAGMENT: {
        const typeName = selection.typeCondition?.name.value;
        const type = typeName ? context.getSchema().getType(typeName) : parent;
        if (type && isCompositeType(type))
          total += selectionCost(selection.selectionSet, type, context, maxPageSize, fragmentsInPath);
        break;
      }
      case Kind.FRAGMENT_SPREAD: {
        const name = selection.name.value;
        if (fragmentsInPath.has(name)) break;
        const fragment = context.getFragment(name);
        const type = fragment ? context.getSchema().getType(fragment.typeCondition.name.value) : undefined;
        if (fragment && type && isCompositeType(type)) {
          total += selectionCost(
            fragment.selectionSet,
            type,
            context,
            maxPageSize,
            new Set([...fragmentsInPath, name]),
          );
        }
        break;
      }
    }
  }
  return total;
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
