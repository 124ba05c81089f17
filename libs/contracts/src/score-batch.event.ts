import { z } from 'zod';
import { envelopeShape } from './envelope';
import { defineEvent } from './event-definition';
import { LIMITS } from './limits';
import { artifactRefSchema, finiteNumber, idSchema } from './subject';

/**
 * Every score a detector produced, not only alerts: one message per (subject, detector, layer)
 * and scored batch, one row per item, so dashboards and offline evaluation see the whole distribution.
 */
export const scoreBatchSchema = z.object({
  ...envelopeShape,
  subject: artifactRefSchema,
  detector: z.string().min(1).max(128),
  layer: z.string().max(256).optional(),
  items: z
    .array(
      z.object({
        itemId: idSchema,
        score: finiteNumber,
        pValue: finiteNumber.refine((p) => p >= 0 && p <= 1, 'must lie in [0, 1]'),
      }),
    )
    .min(1)
    .max(LIMITS.maxBatchItems),
});
export type ScoreBatch = z.infer<typeof scoreBatchSchema>;

export const ScoreBatchEvent = defineEvent({
  name: 'ScoreBatch',
  topic: 'damon.scores',
  schema: scoreBatchSchema,
  partitionKey: (e) => e.subject.id,
});
