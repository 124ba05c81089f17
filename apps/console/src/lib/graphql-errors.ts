import { CombinedGraphQLErrors, ServerError } from '@apollo/client/errors';

/** The API's words for a refused operation (first GraphQL error), else the transport's. */
export function errorMessage(error: unknown): string {
  if (CombinedGraphQLErrors.is(error)) return error.errors.map((e) => e.message).join('; ');
  if (error instanceof Error) return error.message;
  return String(error);
}

export function errorCode(error: unknown): string | undefined {
  if (CombinedGraphQLErrors.is(error)) {
    const code = error.errors[0]?.extensions?.code;
    return typeof code === 'string' ? code : undefined;
  }
  if (ServerError.is(error) && error.statusCode === 401) return 'UNAUTHENTICATED';
  return undefined;
}

/** True when the API could not be reached at all (down, restarting, network gone). */
export function isNetworkFailure(error: unknown): boolean {
  if (CombinedGraphQLErrors.is(error)) return false;
  if (ServerError.is(error)) return error.statusCode >= 502;
  return (
    error instanceof TypeError || (error instanceof Error && /fetch|network|socket/i.test(error.message))
  );
}
