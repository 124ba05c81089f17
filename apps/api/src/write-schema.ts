/**
 * npm run api:schema — writes the GraphQL schema the code generates to libs/api/schema.gql (committed:
 * a schema change shows in review; libs/api/src/schema-file.spec.ts fails while the file is stale).
 */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { printApiSchema } from '@damon/api';

const target = resolve(__dirname, '../../../libs/api/schema.gql');

printApiSchema().then(
  (sdl) => {
    writeFileSync(target, sdl);
    console.log(`wrote ${target}`);
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
