// Nest's Apollo driver is ESM and takes the ESM declarations of @apollo/server's types.
import type { ApolloServerPlugin } from '@apollo/server' with { 'resolution-mode': 'import' };
import { Metrics } from '@threatline/observability';
import { DocumentNode, Kind, OperationDefinitionNode, SelectionSetNode } from 'graphql';

/**
 * Counts each operation once per root field, with its outcome: `ok`, `error` (executed,
 * some field failed) or `rejected` (refused before execution). Operations that never
 * resolved (unparsable, invalid) count under type and field `unknown`, so the label values
 * stay bounded by the schema whatever clients send.
 */
export function operationMetricsPlugin(metrics: Metrics): ApolloServerPlugin {
  return {
    requestDidStart() {
      return Promise.resolve({
        willSendResponse({ document, operation, response }) {
          const result = response.body.kind === 'single' ? response.body.singleResult : undefined;
          const executed = result !== undefined && 'data' in result;
          const outcome = !executed ? 'rejected' : result.errors?.length ? 'error' : 'ok';
          if (!document || !operation) {
            metrics.graphqlOperations.inc({ type: 'unknown', field: 'unknown', outcome });
          } else {
            for (const field of rootFieldsOf(document, operation)) {
              metrics.graphqlOperations.inc({ type: operation.operation, field, outcome });
            }
          }
          return Promise.resolve();
        },
      });
    },
  };
}

function rootFieldsOf(document: DocumentNode, operation: OperationDefinitionNode): Set<string> {
  const names = new Set<string>();
  const collect = (selectionSet: SelectionSetNode, seen: Set<string>): void => {
    for (const selection of selectionSet.selections) {
      switch (selection.kind) {
        case Kind.FIELD:
          names.add(selection.name.value);
          break;
        case Kind.INLINE_FRAGMENT:
          collect(selection.selectionSet, seen);
          break;
        case Kind.FRAGMENT_SPREAD: {
          const name = selection.name.value;
          const fragment = document.definitions.find(
            (definition) => definition.kind === Kind.FRAGMENT_DEFINITION && definition.name.value === name,
          );
          if (fragment?.kind === Kind.FRAGMENT_DEFINITION && !seen.has(name)) {
            collect(fragment.selectionSet, new Set([...seen, name]));
          }
          break;
        }
      }
    }
  };
  collect(operation.selectionSet, new Set());
  return names;
}
