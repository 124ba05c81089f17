import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { eventJsonSchemas, wireConformanceCases } from '@damon/contracts';

/**
 * Writes <Event>.schema.json from the zod schemas (the source of truth) into libs/contracts/json-schema
 * and into the Python SDK's package data (libs/sdk-python/src/damon/schemas: an installed SDK carries
 * its own copy; its pytest suite fails when the copy differs from the export).
 */
const folders = [
  resolve(__dirname, '../../libs/contracts/json-schema'),
  resolve(__dirname, '../../libs/sdk-python/src/damon/schemas'),
];
const schemas = Object.entries(eventJsonSchemas());
for (const folder of folders) {
  mkdirSync(folder, { recursive: true });
  for (const file of readdirSync(folder)) if (file.endsWith('.schema.json')) rmSync(resolve(folder, file));
  for (const [name, schema] of schemas)
    writeFileSync(resolve(folder, `${name}.schema.json`), `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote ${schemas.length} schemas to ${folder}`);
}

// The wire conformance files (libs/contracts/conformance): message bytes per dtype and form, and the
// cases (inputs, expected decoded values) that the TS and Python suites check them against.
const conformance = resolve(__dirname, '../../libs/contracts/conformance');
mkdirSync(conformance, { recursive: true });
const cases = wireConformanceCases();
for (const c of cases) writeFileSync(resolve(conformance, c.case.file), c.bytes);
writeFileSync(
  resolve(conformance, 'cases.json'),
  `${JSON.stringify(
    cases.map((c) => c.case),
    null,
    2,
  )}\n`,
);
console.log(`wrote ${cases.length} wire conformance cases to ${conformance}`);
