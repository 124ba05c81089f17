import { resolve } from 'node:path';
import { ESLint, type Linter } from 'eslint';
import { createProjectGraphAsync } from '@nx/devkit';
import { beforeAll, describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../..');

/**
 * Lints source text as if it stood in a project's folder, with the repository's own boundary
 * rules (the same module eslint.config.mjs uses), to prove that lint fails on a forbidden import.
 */
async function lintAs(relativePath: string, code: string): Promise<string[]> {
  const [{ boundaryRules }, { default: nx }, { default: tseslint }] = await Promise.all([
    import('./boundary-rules.mjs'),
    import('@nx/eslint-plugin'),
    import('typescript-eslint'),
  ]);
  const config: Linter.Config[] = [
    {
      files: ['**/*.ts'],
      languageOptions: { parser: tseslint.parser },
      plugins: { '@nx': nx as unknown as ESLint.Plugin },
      rules: boundaryRules,
    },
  ];
  const eslint = new ESLint({ cwd: root, overrideConfigFile: true, overrideConfig: config });
  const [result] = await eslint.lintText(code, { filePath: resolve(root, relativePath) });
  return result.messages.map((m) => `${m.ruleId ?? 'fatal'}: ${m.message}`);
}

describe('module boundaries', () => {
  // The Nx rule reads the cached project graph and silently skips itself when there is none (a
  // fresh clone): compute it first, as `npm run lint` does.
  beforeAll(() => createProjectGraphAsync({ exitOnError: false }), 120_000);

  it('allows an import through a library’s public entry', async () => {
    expect(
      await lintAs(
        'libs/bus/src/example.ts',
        "import { TOPICS } from '@damon/contracts';\nexport const t = TOPICS;\n",
      ),
    ).toEqual([]);
  });

  it('fails on a deep import into another library', async () => {
    const messages = await lintAs(
      'libs/bus/src/example.ts',
      "import { encodeVectors } from '@damon/contracts/src/vector';\nexport const e = encodeVectors;\n",
    );
    expect(messages.join('\n')).toMatch(/no-restricted-imports: .*public entry/);
  });

  it('fails on a relative import across project borders', async () => {
    const messages = await lintAs(
      'libs/bus/src/example.ts',
      "import { encodeVectors } from '../../contracts/src/vector';\nexport const e = encodeVectors;\n",
    );
    expect(messages.join('\n')).toMatch(/@nx\/enforce-module-boundaries/);
  });

  it('fails when the pure detectors library imports anything of ours', async () => {
    const messages = await lintAs(
      'libs/detectors/src/example.ts',
      "import { TOPICS } from '@damon/contracts';\nexport const t = TOPICS;\n",
    );
    expect(messages.join('\n')).toMatch(
      /@nx\/enforce-module-boundaries: A project tagged with "deps:none" can only depend on libs tagged with/,
    );
  });

  it('fails when a utility library depends on a data-access library', async () => {
    const messages = await lintAs(
      'libs/observability/src/example.ts',
      "import { createDataSource } from '@damon/persistence';\nexport const c = createDataSource;\n",
    );
    expect(messages.join('\n')).toMatch(
      /@nx\/enforce-module-boundaries: A project tagged with "type:util" can only depend on libs tagged with/,
    );
  });
});
