import { z } from 'zod';
import { envelopeShape } from './envelope';
import { defineEvent } from './event-definition';
import { artifactRefSchema, finiteNumber, idSchema } from './subject';
import { stageSchema } from './stage-alert.event';

export const incidentChangeSchema = z.enum(['opened', 'updated', 'merged', 'resolved']);
export type IncidentChange = z.infer<typeof incidentChangeSchema>;

/** What the correlator announces about an incident. The subject is `{kind: "incident", id}`. */
export const incidentEventSchema = z.object({
  ...envelopeShape,
  subject: z.object({ kind: z.literal('incident'), id: idSchema }),
  change: incidentChangeSchema,
  severity: finiteNumber,
  stages: z.array(stageSchema),
  subjects: z.array(artifactRefSchema),
  alertIds: z.array(idSchema),
  /** For `merged`: the incident this one was merged into. */
  mergedInto: idSchema.optional(),
});
export type IncidentEvent = z.infer<typeof incidentEventSchema>;

export const IncidentEventDefinition = defineEvent({
  name: 'IncidentEvent',
  topic: 'damon.incidents',
  schema: incidentEventSchema,
  partitionKey: (e) => e.subject.id,
});
