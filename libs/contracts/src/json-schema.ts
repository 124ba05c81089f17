import { z } from 'zod';
import { EVENTS } from './topics';

/** JSON Schema (draft 2020-12) of every event, by event name, so other languages can validate. */
export function eventJsonSchemas(): Record<string, unknown> {
  return Object.fromEntries(
    EVENTS.map((event) => [
      event.name,
      {
        ...z.toJSONSchema(event.schema as z.ZodType, {
          target: 'draft-2020-12',
          unrepresentable: 'any',
          io: 'input',
        }),
        title: event.name,
        'x-damon-topic': event.topic,
      },
    ]),
  );
}
