import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

/**
 * Rejects operations nested deeper than `maxDepth` fields (through fragments too). Introspection
 * (`__schema`, `__type`) is not counted: it is only enabled in development.
 */
export function depthLimitRule(maxDepth: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(operation) {
      const depth = selectionDepth(operation.selectionSet, context, new Set());
      if (depth > maxDepth) {
        context.reportError(
          new GraphQLError(`query depth ${depth} exceeds the limit of ${maxDepth}`, {
            nodes: [operation],
            extensions: { limit: 'depth', max: maxDepth, actual: depth },
          }),
        );
      }
    },
  });
}

function selectionDepth(
  selectionSet: SelectionSetNode,
  context: ValidationContext,
  fragmentsInPath: Set<string>,
): number {
  let deepest = 0;
  for (const selection of selectionSet.selections) {
    switch (selection.kind) {
      case Kind.FIELD: {
        if (selection.name.value.startsWith('__')) break;
        const below = selection.selectionSet
          ? selectionDepth(selection.selectionSet, context, fragmentsInPath)
          : 0;
        deepest = Math.max(deepest, 1 + below);
        break;
      }
      case Kind.INLINE_FRAGMENT:
        deepest = Math.max(deepest, selectionDepth(selection.selectionSet, context, fragmentsInPath));
        break;
      case Kind.FRAGMENT_SPREAD: {
        const name = selection.name.value;
        // A fragment cycle is reported by NoFragmentCyclesRule; here it just stops the walk.
        if (fragmentsInPath.has(name)) break;
        const fragment: FragmentDefinitionNode | null | undefined = context.getFragment(name);
        if (!fragment) break;
        deepest = Math.max(
          deepest,
          selectionDepth(fragment.selectionSet, context, new Set([...fragmentsInPath, name])),
        );
        break;
      }
    }
  }
  return deepest;
}
