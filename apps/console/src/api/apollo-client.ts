import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { ErrorLink } from '@apollo/client/link/error';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { Kind, OperationTypeNode } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { errorCode, isNetworkFailure } from '../lib/graphql-errors';
import { apiStatus } from './api-status';

export interface ConsoleClient {
  apollo: ApolloClient;
  close(): void;
}

/**
 * One Apollo client per signed-in key: HTTP for queries and mutations, graphql-ws (same path) for
 * subscriptions. A refused key calls `onUnauthenticated`; an unreachable API flips `apiStatus`.
 */
export function createConsoleClient(key: string, onUnauthenticated: (reason: string) => void): ConsoleClient {
  const graphqlPath = '/graphql';
  const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${graphqlPath}`;
  const ws: Client = createClient({
    url: wsUrl,
    connectionParams: { authorization: `Bearer ${key}` },
    lazy: true,
    // The socket reconnects for as long as the tab is open: an API restart must not need a reload.
    retryAttempts: Infinity,
    shouldRetry: () => true,
    retryWait: (retries) => new Promise((r) => setTimeout(r, Math.min(5_000, 500 * 2 ** retries))),
    on: {
      connected: () => apiStatus.set(false),
      closed: (event) => {
        const code = (event as { code?: number } | undefined)?.code;
        if (code === 4401 || code === 4403) onUnauthenticated('The API refused the key on the live feed.');
      },
    },
  });
  const http = new HttpLink({
    uri: graphqlPath,
    headers: { authorization: `Bearer ${key}` },
    fetch: async (input, init) => {
      try {
        const response = await fetch(input, init);
        apiStatus.set(response.status >= 502);
        return response;
      } catch (error) {
        apiStatus.set(true);
        throw error;
      }
    },
  });
  const errors = new ErrorLink(({ error }) => {
    if (errorCode(error) === 'UNAUTHENTICATED')
      onUnauthenticated(
        'Your API key was refused: it is unknown, revoked or expired. Sign in with a valid key.',
      );
    else if (isNetworkFailure(error)) apiStatus.set(true);
  });
  const split = ApolloLink.split(
    ({ query }) => {
      const definition = getMainDefinition(query);
      return (
        definition.kind === Kind.OPERATION_DEFINITION &&
        definition.operation === OperationTypeNode.SUBSCRIPTION
      );
    },
    new GraphQLWsLink(ws),
    http,
  );
  const apollo = new ApolloClient({
    link: ApolloLink.from([errors, split]),
    cache: new InMemoryCache({
      typePolicies: {
        Incident: { fields: { triage: { merge: true } } },
        Artifact: { keyFields: ['kind', 'id'] },
        ArtifactRef: { keyFields: false },
        Caller: { keyFields: [] },
      },
    }),
    defaultOptions: { watchQuery: { fetchPolicy: 'cache-and-network' } },
  });
  return {
    apollo,
    close: () => {
      void ws.dispose();
      apollo.stop();
    },
  };
}
