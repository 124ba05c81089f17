import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed documents from the committed schema (libs/api/schema.gql), never from a running server:
// `npx nx codegen console` after a schema or document change; codegen-drift.spec.ts fails while stale.
const config: CodegenConfig = {
  schema: 'libs/api/schema.gql',
  documents: ['apps/console/src/**/*.{ts,tsx}', '!apps/console/src/gql/**'],
  ignoreNoDocuments: false,
  generates: {
    'apps/console/src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string', JSON: 'unknown' },
      },
    },
  },
};

export default config;
