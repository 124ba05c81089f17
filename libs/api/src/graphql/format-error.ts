import type { GraphQLFormattedError } from 'graphql';

/** graphql-js suggestions ("Did you mean "incidents"?", "… the enum value …?") name schema members. */
const SUGGESTION = /\s*Did you mean [^?]*\?/g;

export function withoutSuggestions(message: string): string {
  return message.replace(SUGGESTION, '');
}

/**
 * Outside development: internal errors become a bare "Internal server error" (the cause is logged,
 * not sent), no stack trace or wrapped exception leaves the server, and validation messages lose
 * their suggestions, which would reveal field and enum names while introspection is off.
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
    return { ...formatted, message: withoutSuggestions(formatted.message), extensions };
  };
}
