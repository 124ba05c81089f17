import { z } from 'zod';
import { EVENTS } from './topics';
import { vectorBytesSchema } from './vector';

const BYTE_REF_SCHEMA = {
  type: 'object',
  description:
    'Binary wire only: where the raw little-endian values lie in the byte section after the JSON header.',
  properties: {
    offset: { type: 'integer', minimum: 0 },
    length: { type: 'integer', minimum: 0 },
  },
  required: ['offset', 'length'],
  additionalProperties: false,
};

/** JSON Schema (draft 2020-12) of every event, by event name, so other languages can validate: the
 * whole message in the JSON form, the header in the binary form (see `wire-message.ts`). */
export function eventJsonSchemas(): Record<string, unknown> {
  return Object.fromEntries(
    EVENTS.map((event) => [
      event.name,
      {
        ...z.toJSONSchema(event.schema as z.ZodType, {
          target: 'draft-2020-12',
          unrepresentable: 'any',
          io: 'input',
          override: (ctx) => {
            // In JSON the bytes of the binary wire are a reference into its byte section.
            if (ctx.zodSchema === (vectorBytesSchema as unknown))
              Object.assign(ctx.jsonSchema, BYTE_REF_SCHEMA);
          },
        }),
        title: event.name,
        'x-damon-topic': event.topic,
      },
    ]),
  );
}
