import { z } from 'zod';
import { envelopeShape } from './envelope';
import { defineEvent } from './event-definition';
import { artifactRefSchema, finiteNumber, idSchema } from './subject';
import { stageSchema } from './stage-alert.event';

export const incidentChangeSchema = z.enum(['opened', 'updated', 'merged', 'resolved', 'triaged']);
export type IncidentChange = z.infer<typeof incidentChangeSchema>;

/** What a person did to an incident through the API (schemaVersion 2). */
export const triageActionSchema = z.enum([
  'acknowledged',
  'assigned',
  'verdict',
  'comment',
  'resolved',
  'reopened',
]);
export type TriageAction = z.infer<typeof triageActionSchema>;

/**
 * A triage change, without people's names: the topic is read by every API instance and each
 * viewer's subscription, so who acted and who was assigned stay in the (role-checked) API.
 */
export const triageChangeSchema = z.object({
  action: triageActionSchema,
  /** For `verdict`: the verdict set. */
  verdict: z.enum(['deceptive', 'benign', 'inconclusive']).optional(),
  /** For `assigned`: whether the incident has an assignee now (false: unassigned). */
  assigned: z.boolean().optional(),
});
export type TriageChange = z.infer<typeof triageChangeSchema>;

const incidentFields = {
  subject: z.object({ kind: z.literal('incident'), id: idSchema }),
  severity: finiteNumber,
  stages: z.array(stageSchema),
  subjects: z.array(artifactRefSchema),
  alertIds: z.array(idSchema),
  /** For `merged`: the incident this one was merged into. */
  mergedInto: idSchema.optional(),
};

/** Version 1, as the correlator announces opened / updated / merged / resolved incidents. */
const incidentEventV1Schema = z.object({
  ...envelopeShape,
  ...incidentFields,
  change: incidentChangeSchema.exclude(['triaged']),
});

/**
 * Version 2 adds triage: `change: "triaged"` (acknowledged, assigned, verdict, comment) or a
 * resolve / reopen, with `triage` saying what was done.
 */
const incidentEventV2Schema = z
  .object({
    ...envelopeShape,
    schemaVersion: z.literal(2),
    ...incidentFields,
    change: incidentChangeSchema,
    triage: triageChangeSchema.optional(),
  })
  .refine((e) => e.change !== 'triaged' || e.triage !== undefined, {
    message: 'a triaged change needs `triage`',
    path: ['triage'],
  });

/** What is announced about an incident, version 1 or 2. The subject is `{kind: "incident", id}`. */
export const incidentEventSchema = z.union([incidentEventV1Schema, incidentEventV2Schema]);
export type IncidentEvent = z.infer<typeof incidentEventSchema>;

export const IncidentEventDefinition = defineEvent({
  name: 'IncidentEvent',
  topic: 'damon.incidents',
  schema: incidentEventSchema,
  partitionKey: (e) => e.subject.id,
});
