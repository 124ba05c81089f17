import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventJsonSchemas } from './json-schema';

const folder = resolve(__dirname, '../json-schema');

describe('exported JSON Schema', () => {
  it('is committed and matches the zod schemas (run `npm run contracts:json-schema` after a change)', () => {
    const generated = eventJsonSchemas();
    const committed = Object.fromEntries(
      readdirSync(folder)
        .filter((f) => f.endsWith('.schema.json'))
        .map((f) => [
          f.replace('.schema.json', ''),
          JSON.parse(readFileSync(resolve(folder, f), 'utf8')) as unknown,
        ]),
    );
    expect(Object.keys(committed).sort()).toEqual(Object.keys(generated).sort());
    for (const name of Object.keys(generated)) expect(committed[name], name).toEqual(generated[name]);
  });

  it('describes the envelope and the vector encoding', () => {
    const schema = eventJsonSchemas().ActivationBatch as { required: string[]; 'x-damon-topic': string };
    expect(schema.required).toEqual(
      expect.arrayContaining(['eventId', 'schemaVersion', 'occurredAt', 'subject', 'layers']),
    );
    expect(schema['x-damon-topic']).toBe('damon.telemetry.repr');
  });
});
