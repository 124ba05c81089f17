import type { z } from 'zod';

/** One event kind: its frozen topic, its schema and how it is keyed onto partitions. */
export interface EventDefinition<Name extends string, Topic extends string, Schema extends z.ZodType> {
  /** Name used for the exported JSON Schema file. */
  readonly name: Name;
  readonly topic: Topic;
  readonly schema: Schema;
  readonly partitionKey: (event: z.infer<Schema>) => string;
}

export function defineEvent<const Name extends string, const Topic extends string, Schema extends z.ZodType>(
  definition: EventDefinition<Name, Topic, Schema>,
): EventDefinition<Name, Topic, Schema> {
  return Object.freeze(definition);
}
