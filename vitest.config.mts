import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';
import { tsDecoratorsPlugin } from './tools/vitest/ts-decorators-plugin.mjs';
import { aliasesFromTsconfig } from './tools/vitest/tsconfig-aliases.mjs';

// graphql ships CommonJS and ESM builds; Nest and Apollo `require` the CommonJS one, so every import
// must resolve to it too, or graphql's instanceof checks fail across two copies of the library.
const alias = [
  ...aliasesFromTsconfig(),
  { find: /^graphql$/, replacement: createRequire(import.meta.url).resolve('graphql') },
];

// Unit tests beside the code; integration tests against the real Kafka and PostgreSQL that
// infra/ starts (once per run, in the global setup, unless KAFKA_BROKERS / DATABASE_URL are set).
export default defineConfig({
  plugins: [tsDecoratorsPlugin()],
  oxc: false,
  resolve: { alias },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['{apps,libs,tools}/**/*.spec.ts'],
          pool: 'forks',
          testTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['{apps,libs,e2e}/**/*.integration-spec.ts'],
          globalSetup: ['./tools/vitest/integration-global-setup.ts'],
          pool: 'forks',
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
