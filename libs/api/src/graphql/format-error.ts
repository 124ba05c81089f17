import type { GraphQLFormattedError } from 'graphql';

/**
 * Outside development: internal errors become a bare "Internal server error" (the cause is logged,
 * not sent), and no stack trace or wrapped exception leaves the server.
 */
export function formatErrorFor(development: boolean, log: (message: string, error: unknown) => void) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    if (development) return formatted;
    const code = formatted.extensions?.code;
    const extensions = { ...(formatted.extensions ?? {}) };
    delete extensions.stacktrace;
    delete extensions.originalError;
    delete extensions.exception;
    if (code === undefined || code === 'INTERNAL_SERVER_ERROR') {
      log(formatted.message, error);
      return {
        message: 'Internal server error',
        locations: formatted.locations,
        path: formatted.path,
        extensions: { code: 'INTERNAL_SERVER_ERROR' },
      };
    }
    return { ...formatted, extensions };
  };
}
