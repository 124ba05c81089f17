import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import config from '../codegen';

const root = resolve(__dirname, '../../..');

describe('console GraphQL types', () => {
  it('match what GraphQL Code Generator makes from the committed schema and documents', async () => {
    const previous = process.cwd();
    process.chdir(root);
    try {
      // `false`: generate in memory, write nothing.
      const files = (await generate({ ...config, silent: true }, false)) as {
        filename: string;
        content: string;
      }[];
      expect(files.length).toBeGreaterThanOrEqual(3);
      for (const file of files) {
        const committed = readFileSync(resolve(root, file.filename), 'utf8');
        expect(committed, `${file.filename} is stale: run npx nx codegen console`).toBe(file.content);
      }
    } finally {
      process.chdir(previous);
    }
  });
});
