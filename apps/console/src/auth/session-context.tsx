import { ApolloProvider } from '@apollo/client/react';
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { createConsoleClient, type ConsoleClient } from '../api/apollo-client';
import { ME } from '../graphql/documents';
import type { Role } from '../gql/graphql';
import { errorCode, errorMessage } from '../lib/graphql-errors';
import { sessionStore } from './session-store';

export interface Session {
  name: string;
  role: Role;
  /** triager and admin: the triage controls show. */
  canTriage: boolean;
  /** People's names may be asked for (the API refuses them to viewers). */
  names: boolean;
  signOut(reason?: string): void;
}

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in console');
  return session;
}

type State =
  | { phase: 'signed-out'; reason: string | null }
  | { phase: 'checking'; client: ConsoleClient }
  | { phase: 'signed-in'; client: ConsoleClient; name: string; role: Role };

/** Signs in with an API key (checked with `me`), and hands the signed-in tree its client and role. */
export function SessionProvider(props: { signIn: (submit: SignInSubmit) => ReactNode; children: ReactNode }) {
  const [state, setState] = useState<State>(() => ({ phase: 'signed-out', reason: sessionStore.reason() }));
  const [error, setError] = useState<string | null>(null);

  const signOut = useCallback((reason?: string) => {
    sessionStore.signOut(reason);
    setState((s) => {
      if (s.phase !== 'signed-out') s.client.close();
      return { phase: 'signed-out', reason: reason ?? null };
    });
  }, []);

  const start = useCallback(
    async (key: string) => {
      setError(null);
      const client = createConsoleClient(key, (reason) => signOut(reason));
      setState({ phase: 'checking', client });
      try {
        const { data } = await client.apollo.query({ query: ME, fetchPolicy: 'network-only' });
        if (!data) throw new Error('The API answered without data.');
        sessionStore.signIn(key);
        setState({ phase: 'signed-in', client, name: data.me.name, role: data.me.role });
      } catch (e) {
        client.close();
        sessionStore.signOut();
        setState({ phase: 'signed-out', reason: null });
        setError(
          errorCode(e) === 'UNAUTHENTICATED'
            ? 'That key was refused: it is unknown, revoked or mistyped.'
            : `Could not reach the API: ${errorMessage(e)}`,
        );
      }
    },
    [signOut],
  );

  useEffect(() => {
    const stored = sessionStore.key();
    if (stored) void start(stored);
  }, [start]);

  const session = useMemo<Session | null>(
    () =>
      state.phase === 'signed-in'
        ? {
            name: state.name,
            role: state.role,
            canTriage: state.role !== 'VIEWER',
            names: state.role !== 'VIEWER',
            signOut,
          }
        : null,
    [state, signOut],
  );

  if (state.phase !== 'signed-in' || !session)
    return (
      <>
        {props.signIn({
          submit: (key) => void start(key.trim()),
          busy: state.phase === 'checking',
          error,
          reason: state.phase === 'signed-out' ? state.reason : null,
        })}
      </>
    );
  return (
    <ApolloProvider client={state.client.apollo}>
      <SessionContext.Provider value={session}>{props.children}</SessionContext.Provider>
    </ApolloProvider>
  );
}

export interface SignInSubmit {
  submit: (key: string) => void;
  busy: boolean;
  error: string | null;
  reason: string | null;
}
