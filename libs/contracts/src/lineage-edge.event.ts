import { z } from 'zod';
import { envelopeShape } from './envelope';
import { defineEvent } from './event-definition';
import { artifactRefSchema } from './subject';

export const lineageRelationSchema = z.enum(['generated', 'trained', 'rewarded', 'produced', 'edited']);
export type LineageRelation = z.infer<typeof lineageRelationSchema>;

/**
 * An edge of the lineage graph: a model *generated* a dataset, a dataset *trained* a run, a model
 * *rewarded* a run, a run *produced* a model, an edit *edited* a model. The envelope's subject is
 * the `to` artifact, whose provenance the edge describes.
 */
export const lineageEdgeSchema = z
  .object({
    ...envelopeShape,
    from: artifactRefSchema,
    to: artifactRefSchema,
    relation: lineageRelationSchema,
  })
  .superRefine((edge, ctx) => {
    if (edge.from.kind === edge.to.kind && edge.from.id === edge.to.id) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'an artifact cannot be linked to itself' });
    }
  });
export type LineageEdge = z.infer<typeof lineageEdgeSchema>;

export const LineageEdgeEvent = defineEvent({
  name: 'LineageEdge',
  topic: 'damon.lineage',
  schema: lineageEdgeSchema,
  partitionKey: (e) => e.to.id,
});
