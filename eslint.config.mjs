import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';
import { boundaryRules } from './tools/lint/boundary-rules.mjs';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      'tmp/**',
      '.venv/**',
      '.nx/**',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
      '**/fixtures/**',
      '*.config.mts',
      // GraphQL Code Generator's output (checked by apps/console/src/codegen-drift.spec.ts instead).
      'apps/console/src/gql/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@nx': nx },
    rules: {
      ...boundaryRules,
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Nest needs runtime class references for DI and decorators: imports used only in
    // decorated constructor parameters must stay value imports.
    files: [
      'apps/**/*.ts',
      'libs/**/*.module.ts',
      'libs/**/*.service.ts',
      'libs/**/*.resolver.ts',
      'libs/**/*.consumer.ts',
      'libs/**/*.controller.ts',
      'libs/**/*.entity.ts',
    ],
    rules: { '@typescript-eslint/consistent-type-imports': 'off' },
  },
  {
    // Configuration is validated once at start-up: `process.env` is read by loadConfig only (and by
    // the test helpers that start servers and hand their URLs to child processes).
    files: ['apps/**/*.ts', 'libs/**/*.ts', 'bench/**/*.ts', 'e2e/**/*.ts'],
    ignores: ['libs/config/src/load-config.ts', 'libs/testing/src/**'],
    rules: {
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message:
            'Read configuration through loadConfig (@damon/config); tests: integrationEnv() and startServiceProcess() from @damon/testing.',
        },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.integration-spec.ts', 'e2e/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/unbound-method': 'off' },
  },
  prettier,
);
