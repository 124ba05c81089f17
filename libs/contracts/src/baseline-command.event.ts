import { z } from 'zod';
import { envelopeShape } from './envelope';
import { defineEvent } from './event-definition';
import { artifactRefSchema } from './subject';
import { stageSchema } from './stage-alert.event';

/** Operator commands to the monitors. `baseline.refit` re-opens learning for a subject. */
export const baselineCommandSchema = z.object({
  ...envelopeShape,
  subject: artifactRefSchema,
  command: z.literal('baseline.refit'),
  /** Limit the command to one stage's monitor; all stages when absent. */
  stage: stageSchema.optional(),
  requestedBy: z.string().max(256).optional(),
});
export type BaselineCommand = z.infer<typeof baselineCommandSchema>;

export const BaselineCommandEvent = defineEvent({
  name: 'BaselineCommand',
  topic: 'damon.commands',
  schema: baselineCommandSchema,
  partitionKey: (e) => e.subject.id,
});
