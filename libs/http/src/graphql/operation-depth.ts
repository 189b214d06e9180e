import {
  DocumentNode,
  FragmentDefinitionNode,
  Kind,
  OperationDefinitionNode,
  SelectionSetNode,
} from 'graphql';

/**
 * How many levels of fields an operation selects: `{ a { b { c } } }` is 3. Fragments count
 * where they are spread. Introspection and `__typename` fields do not count: they are bounded
 * by the schema, and introspection is off in production.
 */
export function operationDepth(document: DocumentNode, operation: OperationDefinitionNode): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  // A fragment's depth does not depend on where it is spread: computing it once keeps a
  // document that spreads one fragment thousands of times linear.
  const fragmentDepths = new Map<string, number>();

  const depthOf = (selectionSet: SelectionSetNode, visiting: ReadonlySet<string>): number => {
    let deepest = 0;
    for (const selection of selectionSet.selections) {
      switch (selection.kind) {
        case Kind.FIELD:
          if (selection.name.value.startsWith('__')) break;
          deepest = Math.max(
            deepest,
            1 + (selection.selectionSet ? depthOf(selection.selectionSet, visiting) : 0),
          );
          break;
        case Kind.INLINE_FRAGMENT:
          deepest = Math.max(deepest, depthOf(selection.selectionSet, visiting));
          break;
        case Kind.FRAGMENT_SPREAD: {
          const name = selection.name.value;
          const fragment = fragments.get(name);
          // Unknown and cyclic spreads are refused by validation before this runs.
          if (!fragment || visiting.has(name)) break;
          let depth = fragmentDepths.get(name);
          if (depth === undefined) {
            depth = depthOf(fragment.selectionSet, new Set([...visiting, name]));
            fragmentDepths.set(name, depth);
          }
          deepest = Math.max(deepest, depth);
          break;
        }
      }
    }
    return deepest;
  };

  return depthOf(operation.selectionSet, new Set());
}
