import type { z } from 'zod';

/** One event kind: its frozen topic, its schema and how it is keyed onto partitions. */
export interface EventDefinition<Topic extends string, Schema extends z.ZodType> {
  /** Name used for the exported JSON Schema file. */
  readonly name: string;
  readonly topic: Topic;
  readonly schema: Schema;
  readonly partitionKey: (event: z.infer<Schema>) => string;
}

export function defineEvent<const Topic extends string, Schema extends z.ZodType>(
  definition: EventDefinition<Topic, Schema>,
): EventDefinition<Topic, Schema> {
  return Object.freeze(definition);
}
