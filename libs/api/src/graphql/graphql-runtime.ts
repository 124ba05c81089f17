/**
 * graphql's runtime, as Nest and Apollo load it. Under vitest a bare `graphql` import resolves to the
 * package's ESM build while @nestjs/graphql and @apollo/server `require` its CommonJS build; graphql's
 * `instanceof` checks (GraphQLError, scalar and list types) fail across the two copies. Importing
 * the CommonJS entry explicitly keeps one copy everywhere.
 */
export * from 'graphql/index.js';
