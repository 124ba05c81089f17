import { z } from 'zod';
import { envelopeShape } from './envelope';
import { defineEvent } from './event-definition';
import { LIMITS } from './limits';
import { artifactRefSchema, finiteNumber, idSchema, modelRefSchema } from './subject';
import { vectorsSchema } from './vector';

/** Stage 1 telemetry: a batch of training samples a model generated or curated. */
export const datasetBatchSchema = z
  .object({
    ...envelopeShape,
    subject: z.object({ kind: z.literal('dataset'), id: idSchema }),
    batchId: idSchema,
    generator: modelRefSchema.optional(),
    curator: artifactRefSchema.optional(),
    trusted: z.boolean(),
    samples: z
      .array(
        z.object({
          sampleId: idSchema,
          textHash: z.string().max(128).optional(),
          label: z.string().max(256).optional(),
          slice: z.string().max(256).optional(),
          accepted: z.boolean().optional(),
          features: z.record(z.string().max(256), finiteNumber).optional(),
        }),
      )
      .min(1)
      .max(LIMITS.maxBatchItems),
    embeddings: vectorsSchema.optional(),
  })
  .superRefine((batch, ctx) => {
    const shape = batch.embeddings?.shape;
    if (
      shape &&
      (shape.length !== 2 || shape[0] !== batch.samples.length || shape[1] > LIMITS.maxVectorDim)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['embeddings', 'shape'],
        message: `must be [${batch.samples.length}, dim ≤ ${LIMITS.maxVectorDim}] (one row per sample), got [${shape.join(', ')}]`,
      });
    }
  });
export type DatasetBatch = z.infer<typeof datasetBatchSchema>;

export const DatasetBatchEvent = defineEvent({
  name: 'DatasetBatch',
  topic: 'damon.telemetry.data',
  schema: datasetBatchSchema,
  partitionKey: (e) => e.subject.id,
});
