import { z } from 'zod';
import { envelopeShape } from './envelope';
import { defineEvent } from './event-definition';
import { LIMITS } from './limits';
import { finiteNumber, idSchema } from './subject';
import { vectorsSchema } from './vector';

/** Stage 3 telemetry: per-layer activations of a monitored model on a batch of inputs. */
export const activationBatchSchema = z
  .object({
    ...envelopeShape,
    subject: z.object({ kind: z.literal('model'), id: idSchema }),
    batchId: idSchema,
    trusted: z.boolean(),
    items: z
      .array(
        z.object({
          itemId: idSchema,
          inputHash: z.string().max(128).optional(),
          output: z
            .object({ label: z.string().max(256).optional(), score: finiteNumber.optional() })
            .optional(),
        }),
      )
      .min(1)
      .max(LIMITS.maxBatchItems),
    layers: z
      .array(
        z.object({
          name: z.string().min(1).max(256),
          dim: z.int().min(1).max(LIMITS.maxVectorDim),
          vectors: vectorsSchema,
        }),
      )
      .min(1)
      .max(LIMITS.maxLayers),
    /**
     * The oversight-cue contrast: the same inputs sent twice, framed as observed and as unobserved,
     * in two batches sharing `pairId`; items are matched by `itemId`.
     */
    framing: z.object({ pairId: idSchema, variant: z.enum(['observed', 'unobserved']) }).optional(),
  })
  .superRefine((batch, ctx) => {
    const seen = new Set<string>();
    batch.layers.forEach((layer, i) => {
      if (seen.has(layer.name))
        ctx.addIssue({
          code: 'custom',
          path: ['layers', i, 'name'],
          message: `duplicate layer "${layer.name}"`,
        });
      seen.add(layer.name);
      const [rows, cols] = layer.vectors.shape;
      if (layer.vectors.shape.length !== 2 || rows !== batch.items.length || cols !== layer.dim) {
        ctx.addIssue({
          code: 'custom',
          path: ['layers', i, 'vectors', 'shape'],
          message: `must be [${batch.items.length}, ${layer.dim}] (items × dim), got [${layer.vectors.shape.join(', ')}]`,
        });
      }
    });
  });
export type ActivationBatch = z.infer<typeof activationBatchSchema>;

export const ActivationBatchEvent = defineEvent({
  name: 'ActivationBatch',
  topic: 'damon.telemetry.repr',
  schema: activationBatchSchema,
  partitionKey: (e) => e.subject.id,
});
