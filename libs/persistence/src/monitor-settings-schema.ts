import { z } from 'zod';

/*
 * The rules for what monitor_settings may hold: the stage monitors apply them when they read a row
 * (@damon/monitor-kit re-exports these), the API when an admin writes one. One definition, here
 * beside the table, so that both may import it.
 */

export const fusionMethodSchema = z.enum([
  'fisher',
  'min-p-sidak',
  'cauchy',
  'adaptive-cauchy',
  'adaptive-fisher',
]);
export const referenceModeSchema = z.enum(['trusted', 'first-n']);

/** Everything a stage monitor can be told per subject; defaults come from the environment. */
export const monitorSettingsSchema = z.object({
  /** False-positive rate per scored unit (item, batch or step) the thresholds are calibrated for. */
  alpha: z.number().gt(0).lt(1),
  /** Reference items (samples, activations, signals) buffered before the baseline is fitted. */
  referenceSize: z.int().min(4),
  /** Share of the reference held out to calibrate p-values (never used to fit). */
  calibrationFraction: z.number().gt(0).lt(1),
  /** `trusted`: only events marked trusted fill the reference; `first-n`: the first N items do. */
  referenceMode: referenceModeSchema,
  /** Larger batches are dead-lettered (at most LIMITS.maxBatchItems anyway). */
  maxBatchItems: z.int().min(1),
  /** Stage-specific window: reference rows kept for MMD/KS (data), history shown in evidence (signals). */
  windowSize: z.int().min(2),
  /** How per-layer p-values are fused (representations). */
  fusion: fusionMethodSchema,
  /** Signals: in-control steps of a run per false change alarm (all streams together; default 100,000). */
  averageRunLength: z.int().min(10).optional(),
  /** Detector switches by name; a detector absent here is on. */
  detectors: z.record(z.string(), z.boolean()),
});
export type MonitorSettingsValues = z.infer<typeof monitorSettingsSchema>;

/** A row of monitor_settings: any subset, `detectors` merged key by key over the defaults. */
export const monitorSettingsOverrideSchema = monitorSettingsSchema.partial();
export type MonitorSettingsOverride = z.infer<typeof monitorSettingsOverrideSchema>;
