import type { ApolloServerPlugin, GraphQLRequestContext } from '@apollo/server';
import { Kind } from 'graphql';
import { Counter, Histogram, type Registry } from 'prom-client';

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * The API's own Prometheus metrics: latency of each operation (by type and first root field, both
 * bounded by the schema, never by client-chosen operation names), of each root resolver, and errors
 * by `extensions.code`, including requests refused before execution (no key, invalid document).
 */
export function metricsPlugin(registry: Registry): ApolloServerPlugin {
  const operations = new Histogram({
    name: 'damon_api_operation_duration_seconds',
    help: 'GraphQL operations, from request start to response, by operation type and first root field.',
    labelNames: ['type', 'field', 'outcome'] as const,
    buckets: BUCKETS,
    registers: [registry],
  });
  const resolvers = new Histogram({
    name: 'damon_api_resolver_duration_seconds',
    help: 'Root field resolvers (Query.incidents, Mutation.setVerdict, …).',
    labelNames: ['field'] as const,
    buckets: BUCKETS,
    registers: [registry],
  });
  const errors = new Counter({
    name: 'damon_api_errors_total',
    help: 'GraphQL errors sent, by extensions.code.',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  const countErrors = (list: readonly { extensions?: Record<string, unknown> }[]): void => {
    for (const error of list) {
      const code = error.extensions?.code;
      errors.inc({ code: typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR' });
    }
  };
  return {
    contextCreationDidFail({ error }) {
      const code = (error as { extensions?: Record<string, unknown> }).extensions?.code;
      errors.inc({ code: typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR' });
      return Promise.resolve();
    },
    requestDidStart() {
      const stopOperation = operations.startTimer();
      return Promise.resolve({
        executionDidStart() {
          return Promise.resolve({
            willResolveField({ info }) {
              if (info.path.prev !== undefined) return undefined;
              const stop = resolvers.startTimer({ field: `${info.parentType.name}.${info.fieldName}` });
              return () => {
                stop();
              };
            },
          });
        },
        willSendResponse(context: GraphQLRequestContext<object>) {
          const list = context.errors ?? [];
          countErrors(list.map((e) => ({ extensions: e.extensions })));
          stopOperation({
            type: context.operation?.operation ?? 'invalid',
            field: firstRootField(context),
            outcome: list.length ? 'error' : 'ok',
          });
          return Promise.resolve();
        },
      });
    },
  };
}

function firstRootField(context: GraphQLRequestContext<object>): string {
  const selection = context.operation?.selectionSet.selections[0];
  return selection?.kind === Kind.FIELD ? selection.name.value : 'none';
}
