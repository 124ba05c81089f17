import { z } from 'zod';
import { envelopeShape } from './envelope';
import { defineEvent } from './event-definition';
import { LIMITS } from './limits';
import { artifactRefSchema, finiteNumber, idSchema } from './subject';

export const stageSchema = z.enum(['data', 'signals', 'representations']);
export type Stage = z.infer<typeof stageSchema>;

const probability = finiteNumber.refine((p) => p >= 0 && p <= 1, 'must lie in [0, 1]');

/** Evidence a person can read and plot; kept small. */
export const evidenceSchema = z
  .record(z.string(), z.unknown())
  .refine((e) => Buffer.byteLength(JSON.stringify(e)) <= LIMITS.maxEvidenceBytes, {
    message: `must serialise to at most ${LIMITS.maxEvidenceBytes} bytes`,
  });

/** A detector's finding on one subject at one stage. `alertId` is derived from its inputs. */
export const stageAlertSchema = z
  .object({
    ...envelopeShape,
    subject: artifactRefSchema,
    alertId: idSchema,
    stage: stageSchema,
    detector: z.string().min(1).max(128),
    score: finiteNumber,
    pValue: probability,
    /** The false-positive rate the threshold was calibrated for. */
    alpha: probability,
    evidence: evidenceSchema,
    /**
     * What incident severity is built from, beyond `pValue`: a tail p-value that keeps falling past the
     * calibration floor 1/(n+1), and the items flagged (at `alpha` each) out of those tested.
     */
    severityEvidence: z
      .object({
        tailPValue: probability.optional(),
        flagged: z.int().min(0).optional(),
        tested: z.int().min(1).optional(),
      })
      .optional(),
    window: z.object({ from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) }),
    inputEventIds: z.array(idSchema).min(1).max(LIMITS.maxBatchItems),
    /**
     * The items (samples, activation rows) the alert points at: their ids, at most
     * LIMITS.maxFlaggedItemIds, and how many were flagged in all. Optional and additive: alerts
     * written before it existed (schemaVersion 1 without it) stay valid.
     */
    flaggedItems: z
      .object({
        ids: z.array(idSchema).max(LIMITS.maxFlaggedItemIds),
        count: z.int().min(0),
      })
      .refine((f) => f.count >= f.ids.length, { message: 'count must be at least the number of ids' })
      .optional(),
  })
  .superRefine((alert, ctx) => {
    if (Date.parse(alert.window.from) > Date.parse(alert.window.to)) {
      ctx.addIssue({ code: 'custom', path: ['window', 'to'], message: 'must not be before window.from' });
    }
  });
export type StageAlert = z.infer<typeof stageAlertSchema>;

export const StageAlertEvent = defineEvent({
  name: 'StageAlert',
  topic: 'damon.alerts',
  schema: stageAlertSchema,
  partitionKey: (e) => e.subject.id,
});
