import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

/**
 * Rejects operations nested deeper than `maxDepth` fields (through fragments too). Introspection
 * (`__schema`, `__type`) is not counted: it is only enabled in development.
 *
 * Hand-written rather than graphql-depth-limit because that rule walks a fragment again at every
 * spread: 20 fragments each spreading the next twice cost 2^20 walks. Here each fragment's depth is
 * computed once per document (it does not depend on where it is spread), so the walk is linear in
 * the document's size.
 */
export function depthLimitRule(maxDepth: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const fragmentDepth = new Map<string, number>();
    const inProgress = new Set<string>();

    function selectionDepth(selectionSet: SelectionSetNode): number {
      let deepest = 0;
      for (const selection of selectionSet.selections) {
        switch (selection.kind) {
          case Kind.FIELD: {
            if (selection.name.value.startsWith('__')) break;
            const below = selection.selectionSet ? selectionDepth(selection.selectionSet) : 0;
            deepest = Math.max(deepest, 1 + below);
            break;
          }
          case Kind.INLINE_FRAGMENT:
            deepest = Math.max(deepest, selectionDepth(selection.selectionSet));
            break;
          case Kind.FRAGMENT_SPREAD:
            deepest = Math.max(deepest, depthOfFragment(selection.name.value));
            break;
        }
      }
      return deepest;
    }

    function depthOfFragment(name: string): number {
      const known = fragmentDepth.get(name);
      if (known !== undefined) return known;
      // A fragment cycle is reported by NoFragmentCyclesRule; here it just stops the walk.
      if (inProgress.has(name)) return 0;
      const fragment = context.getFragment(name);
      if (!fragment) return 0;
      inProgress.add(name);
      const depth = selectionDepth(fragment.selectionSet);
      inProgress.delete(name);
      fragmentDepth.set(name, depth);
      return depth;
    }

    return {
      OperationDefinition(operation) {
        const depth = selectionDepth(operation.selectionSet);
        if (depth > maxDepth) {
          context.reportError(
            new GraphQLError(`query depth ${depth} exceeds the limit of ${maxDepth}`, {
              nodes: [operation],
              extensions: { limit: 'depth', max: maxDepth, actual: depth },
            }),
          );
        }
      },
    };
  };
}
