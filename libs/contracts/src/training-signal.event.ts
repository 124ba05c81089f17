import { z } from 'zod';
import { envelopeShape } from './envelope';
import { defineEvent } from './event-definition';
import { finiteNumber, idSchema, modelRefSchema } from './subject';
import { vectorsSchema } from './vector';

const signalBase = {
  ...envelopeShape,
  subject: z.object({ kind: z.literal('run'), id: idSchema }),
  step: z.int().min(0),
  /** The reward or preference model that produced this signal, if any. */
  source: modelRefSchema.optional(),
  /** True while the owner says this run's signals are the trusted reference. */
  trusted: z.boolean().optional(),
};

export const trainingSignalKinds = [
  'reward',
  'preference',
  'loss',
  'grad_stats',
  'kl',
  'param_edit',
] as const;

/** Stage 2 telemetry: one training signal of a run, discriminated by `kind`. */
export const trainingSignalSchema = z.discriminatedUnion('kind', [
  z.object({
    ...signalBase,
    kind: z.literal('reward'),
    value: finiteNumber,
    /** The score of a trusted reference reward model on the same sample, when sent. */
    referenceValue: finiteNumber.optional(),
  }),
  z.object({
    ...signalBase,
    kind: z.literal('preference'),
    pairId: idSchema,
    preferred: z.enum(['a', 'b']),
    /** What a trusted reference labeller preferred on the same pair, when sent. */
    referencePreferred: z.enum(['a', 'b']).optional(),
    margin: finiteNumber.optional(),
  }),
  z.object({ ...signalBase, kind: z.literal('loss'), value: finiteNumber }),
  z.object({
    ...signalBase,
    kind: z.literal('grad_stats'),
    norm: finiteNumber.refine((n) => n >= 0, 'must be ≥ 0'),
    layer: z.string().max(256).optional(),
    /** A fixed low-dimensional sketch of the gradient direction (e.g. a seeded random projection). */
    direction: vectorsSchema.optional(),
  }),
  z.object({
    ...signalBase,
    kind: z.literal('kl'),
    value: finiteNumber,
    /**
     * The KL budget the run is trained against (the target of an adaptive KL controller, or a hard
     * cap), when sent: the signal monitor watches KL relative to it. Optional and additive: KL
     * signals written before it existed (schemaVersion 1 without it) stay valid.
     */
    budget: z.number().positive().refine(Number.isFinite, { message: 'must be a finite number' }).optional(),
  }),
  z
    .object({
      ...signalBase,
      kind: z.literal('param_edit'),
      target: modelRefSchema,
      layer: z.string().min(1).max(256),
      /** delta = a·bᵀ with a: [rows, r], b: [cols, r]. */
      factors: z.object({ a: vectorsSchema, b: vectorsSchema }).optional(),
      dense: vectorsSchema.optional(),
    })
    .superRefine((edit, ctx) => {
      if (!edit.factors === !edit.dense) {
        ctx.addIssue({
          code: 'custom',
          path: ['factors'],
          message: 'exactly one of factors or dense is required',
        });
      }
      if (edit.factors && edit.factors.a.shape[1] !== edit.factors.b.shape[1]) {
        ctx.addIssue({
          code: 'custom',
          path: ['factors', 'b', 'shape'],
          message: 'a and b must have the same rank (columns)',
        });
      }
    }),
]);
export type TrainingSignal = z.infer<typeof trainingSignalSchema>;
export type TrainingSignalKind = TrainingSignal['kind'];

export const TrainingSignalEvent = defineEvent({
  name: 'TrainingSignal',
  topic: 'damon.telemetry.training',
  schema: trainingSignalSchema,
  partitionKey: (e) => e.subject.id,
});
