import { z } from 'zod';
import { defineEvent } from './event-definition';

/**
 * A message a consumer could not handle: the reason and the original bytes, so nothing accepted is
 * lost. Not an envelope event: it describes a message, not a subject.
 */
export const deadLetterSchema = z.object({
  schemaVersion: z.literal(1),
  failedAt: z.iso.datetime({ offset: true }),
  sourceTopic: z.string(),
  partition: z.int().min(0),
  offset: z.string(),
  key: z.string().nullable(),
  consumerGroup: z.string(),
  /** `invalid` for a message that failed validation, `failed` for one whose handler kept failing. */
  kind: z.enum(['invalid', 'failed']),
  reason: z.string(),
  attempts: z.int().min(0),
  originalBase64: z.string(),
});
export type DeadLetter = z.infer<typeof deadLetterSchema>;

export const DeadLetterEvent = defineEvent({
  name: 'DeadLetter',
  topic: 'damon.dlq',
  schema: deadLetterSchema,
  partitionKey: (e) => e.key ?? e.sourceTopic,
});
