import { z } from 'zod';
import { LIMITS } from './limits';

export const idSchema = z.string().min(1).max(LIMITS.maxIdLength);

/** Artifacts form the lineage graph; incidents are subjects of incident events only. */
export const artifactKindSchema = z.enum(['model', 'dataset', 'run', 'edit']);
export type ArtifactKind = z.infer<typeof artifactKindSchema>;

export const artifactRefSchema = z.object({ kind: artifactKindSchema, id: idSchema });
export type ArtifactRef = z.infer<typeof artifactRefSchema>;

export const subjectSchema = z.object({
  kind: z.enum([...artifactKindSchema.options, 'incident']),
  id: idSchema,
});
export type Subject = z.infer<typeof subjectSchema>;

export const modelRefSchema = z.object({ kind: z.literal('model'), id: idSchema });
export type ModelRef = z.infer<typeof modelRefSchema>;

/**
 * A finite number: NaN and ±Infinity cannot travel in JSON, and must not reach a detector. Zod 4's
 * number refuses both itself ("expected number, received Infinity"); the refinement this used to
 * carry repeated the check and took about 30% of validating a 256-item score batch (a throwaway
 * micro-benchmark), which the representation monitor does eight times an event (`events.spec.ts`
 * checks the refusal).
 */
export const finiteNumber = z.number();
