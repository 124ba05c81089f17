import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The `@damon/<lib>` path aliases of tsconfig.base.json, as Vite aliases (one source of truth). */
export function aliasesFromTsconfig() {
  const { compilerOptions } = JSON.parse(readFileSync(resolve(root, 'tsconfig.base.json'), 'utf8'));
  return Object.entries(compilerOptions.paths).map(([name, [target]]) => ({
    find: new RegExp(`^${name.replace('/', '\\/')}$`),
    replacement: resolve(root, target),
  }));
}
