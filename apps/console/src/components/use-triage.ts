import { useApolloClient } from '@apollo/client/react';
import { useCallback, useState } from 'react';
import { useSession } from '../auth/session-context';
import { ACKNOWLEDGE, ADD_COMMENT, ASSIGN, REOPEN, RESOLVE, SET_VERDICT } from '../graphql/documents';
import type { Verdict } from '../gql/graphql';
import { errorMessage } from '../lib/graphql-errors';

export interface TriageActions {
  busy: boolean;
  /** The API's message for the last refused mutation. */
  error: string | null;
  clearError(): void;
  acknowledge(id: string): Promise<boolean>;
  assign(id: string, assignee: string | null): Promise<boolean>;
  setVerdict(id: string, verdict: Verdict, note: string | null): Promise<boolean>;
  comment(id: string, body: string): Promise<boolean>;
  resolve(id: string, comment: string | null): Promise<boolean>;
  reopen(id: string, comment: string | null): Promise<boolean>;
}

/**
 * Triage mutations. Each returns the incident's queue fields (the cache updates every list showing
 * it); the open incident page is refetched for its history.
 */
export function useTriage(): TriageActions {
  const client = useApolloClient();
  const { names } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const run = useCallback(
    async (send: () => Promise<unknown>): Promise<boolean> => {
      setBusy(true);
      setError(null);
      try {
        await send();
        await client.refetchQueries({ include: ['Incident'] });
        return true;
      } catch (e) {
        setError(errorMessage(e));
        return false;
      } finally {
        setBusy(false);
      }
    },
    [client],
  );

  return {
    busy,
    error,
    clearError: () => setError(null),
    acknowledge: (id) => run(() => client.mutate({ mutation: ACKNOWLEDGE, variables: { id, names } })),
    assign: (id, assignee) =>
      run(() => client.mutate({ mutation: ASSIGN, variables: { id, assignee, names } })),
    setVerdict: (id, verdict, note) =>
      run(() => client.mutate({ mutation: SET_VERDICT, variables: { id, verdict, note, names } })),
    comment: (id, body) => run(() => client.mutate({ mutation: ADD_COMMENT, variables: { id, body } })),
    resolve: (id, comment) =>
      run(() => client.mutate({ mutation: RESOLVE, variables: { id, comment, names } })),
    reopen: (id, comment) =>
      run(() => client.mutate({ mutation: REOPEN, variables: { id, comment, names } })),
  };
}
