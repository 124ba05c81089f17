import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { printApiSchema } from './schema-printer';

describe('committed GraphQL schema', () => {
  it('libs/api/schema.gql is what the code generates (run `npm run api:schema` after a schema change)', async () => {
    const committed = readFileSync(resolve(__dirname, '../schema.gql'), 'utf8');
    expect(await printApiSchema()).toBe(committed);
  });
});
