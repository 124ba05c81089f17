import { GraphQLError } from 'graphql';

/** Client errors with the codes clients branch on (`extensions.code`). */
export function badUserInput(field: string, message: string): GraphQLError {
  return new GraphQLError(`${field}: ${message}`, { extensions: { code: 'BAD_USER_INPUT', field } });
}

export function unauthenticated(): GraphQLError {
  return new GraphQLError('a valid API key is required (Authorization: Bearer <key>)', {
    extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
  });
}

export function forbidden(required: string, actual: string): GraphQLError {
  return new GraphQLError(`this needs the ${required} role; the key has ${actual}`, {
    extensions: { code: 'FORBIDDEN' },
  });
}

export function notFound(what: string, id: string): GraphQLError {
  return new GraphQLError(`${what} ${id} not found`, { extensions: { code: 'NOT_FOUND' } });
}

export function conflict(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'CONFLICT' } });
}
