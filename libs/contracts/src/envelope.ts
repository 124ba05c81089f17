import { z } from 'zod';
import { idSchema, subjectSchema } from './subject';

/**
 * Fields every event carries. `eventId` makes processing idempotent; `subject` is what the
 * event concerns and its id is the partition key, so one subject's events stay ordered.
 */
export const envelopeShape = {
  eventId: idSchema,
  schemaVersion: z.literal(1),
  occurredAt: z.iso.datetime({ offset: true }),
  subject: subjectSchema,
};

export const envelopeSchema = z.object(envelopeShape);
export type Envelope = z.infer<typeof envelopeSchema>;
