import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { eventJsonSchemas } from '@damon/contracts';

/** Writes libs/contracts/json-schema/<Event>.schema.json from the zod schemas (the source of truth). */
const folder = resolve(__dirname, '../../libs/contracts/json-schema');
mkdirSync(folder, { recursive: true });
for (const file of readdirSync(folder)) if (file.endsWith('.schema.json')) rmSync(resolve(folder, file));
for (const [name, schema] of Object.entries(eventJsonSchemas())) {
  writeFileSync(resolve(folder, `${name}.schema.json`), `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote ${name}.schema.json`);
}
