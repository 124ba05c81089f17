import {
  booleanVar,
  databaseUrlVar,
  integerVar,
  kafkaBrokersVar,
  loadConfig,
  logLevelVar,
  portVar,
  type Environment,
} from '@damon/config';
import { LIMITS, type Stage } from '@damon/contracts';
import type { OpenBlasOptions } from '@damon/detectors';
import { z } from 'zod';
import { defaultWorkerCount } from './compute-pool';
import { fusionMethodSchema, referenceModeSchema, type MonitorSettingsValues } from './monitor-settings';

/** A decimal in (0, 1) given as a string, e.g. MONITOR_ALPHA=0.01. */
function probabilityVar(defaultValue: number) {
  return z
    .string()
    .transform((raw, ctx) => {
      const value = Number(raw.trim());
      if (!/^\s*[0-9.eE+-]+\s*$/.test(raw) || !Number.isFinite(value) || value <= 0 || value >= 1) {
        ctx.addIssue({ code: 'custom', message: `'${raw}' is not a number in (0, 1)` });
        return z.NEVER;
      }
      return value;
    })
    .default(defaultValue)
    .describe('a number in (0, 1)');
}

function enumVar<E extends z.ZodEnum>(values: E, defaultValue: z.output<E>) {
  return values.default(defaultValue as never).describe(`one of ${values.options.join('|')}`);
}

/**
 * Environment of a stage monitor; every MONITOR_* value is the default of the per-subject settings.
 * KAFKA_BROKERS is required: a monitor without a broker would consume nothing (only the all-in-one
 * runner chooses the in-process bus, explicitly, see loadMonitorEnv's `embedded`).
 */
/** The detectors' OpenBLAS switches, shared by the monitors and the benches that score like them. */
export function blasEnvVars() {
  return {
    /**
     * Matrix products and eigendecompositions in the host's OpenBLAS (`auto`, when libopenblas.so.0
     * loads) or in WebAssembly and JavaScript (`off`).
     */
    MONITOR_BLAS: z.enum(['auto', 'off']).default('auto').describe('auto|off'),
    /** OpenBLAS threads per call (process-wide); 1 leaves the cores to the compute workers. */
    MONITOR_BLAS_THREADS: integerVar({ min: 1, max: 256, default: 1 }),
    /**
     * OpenBLAS's own variable, read here only to report it: when set, OpenBLAS takes that kernel family
     * instead of the one it detects, and the detectors' log line says so (and when it leaves the CPU's
     * AVX-512 unused).
     */
    OPENBLAS_CORETYPE: z.string().optional().describe('an OpenBLAS kernel family, e.g. Haswell'),
  };
}

export const monitorEnvSchema = z.object({
  KAFKA_BROKERS: kafkaBrokersVar({ required: true }),
  DATABASE_URL: databaseUrlVar({ required: true }),
  /** Each monitor has its own default (MONITOR_PROFILES) so the three run side by side. */
  PORT: portVar(),
  LOG_LEVEL: logLevelVar(),
  /** Consumer group; defaults to `<stage>-monitor`. */
  MONITOR_GROUP: z.string().optional().describe('a consumer group name'),
  /** Where a new consumer group starts: the oldest retained telemetry (default) or only what comes next. */
  MONITOR_FROM_BEGINNING: booleanVar(true),
  MONITOR_PARTITIONS: integerVar({ min: 1, max: 1024, default: 3 }),
  MONITOR_ALPHA: probabilityVar(0.01),
  MONITOR_REFERENCE_SIZE: integerVar({ min: 4, max: 10_000_000, default: 1000 }),
  MONITOR_CALIBRATION_FRACTION: probabilityVar(0.3),
  MONITOR_REFERENCE_MODE: enumVar(referenceModeSchema, 'trusted'),
  MONITOR_MAX_BATCH_ITEMS: integerVar({ min: 1, max: LIMITS.maxBatchItems, default: LIMITS.maxBatchItems }),
  MONITOR_WINDOW_SIZE: integerVar({ min: 2, max: 100_000, default: 500 }),
  MONITOR_FUSION: enumVar(fusionMethodSchema, 'adaptive-fisher'),
  /** Signal monitor: in-control steps of a run per false change alarm, over all its streams. */
  MONITOR_AVERAGE_RUN_LENGTH: integerVar({ min: 10, max: 1_000_000_000, default: 100_000 }),
  /**
   * Gaussian detectors' covariance rank: `auto` (exact up to d = 1024, else top-128 + isotropic
   * residual), `full`, or a number k of principal directions (faster scoring at large d).
   */
  MONITOR_GAUSSIAN_RANK: z
    .string()
    .regex(/^(auto|full|[1-9][0-9]*)$/, 'must be auto, full or a positive integer')
    .transform((raw): 'auto' | 'full' | number => (raw === 'auto' || raw === 'full' ? raw : Number(raw)))
    .default('auto')
    .describe('auto|full|<k>'),
  /**
   * Worker threads that decode, fit and score (the main thread fetches, heartbeats and commits);
   * default: cores − 1, at least 1. 0 runs that work on the main thread (for comparison and debugging).
   */
  MONITOR_WORKERS: integerVar({ min: 0, max: 256, default: defaultWorkerCount() }),
  /** Bytes one fetch may bring per partition: several large ActivationBatches per transaction. */
  MONITOR_FETCH_MAX_BYTES: integerVar({ min: 1024, max: 256 * 1024 * 1024, default: 32 * 1024 * 1024 }),
  /**
   * Kafka: fetch the next telemetry batch of a partition while this one is scored (the bus's
   * `readAhead`), so the monitor does not wait for the broker between batches. A partition then holds
   * up to two fetches (2 × MONITOR_FETCH_MAX_BYTES) in memory.
   */
  MONITOR_READ_AHEAD: booleanVar(true),
  /** Comma-separated detector names switched off by default, e.g. `mmd,spectral-signature`. */
  MONITOR_DISABLED_DETECTORS: z.string().optional().describe('comma-separated detector names'),
  /**
   * Representation monitor: how often the verdict probes are refitted when verdicts have changed
   * (milliseconds; 0 switches the scheduler off).
   */
  MONITOR_PROBE_INTERVAL_MS: integerVar({ min: 0, max: 24 * 3600 * 1000, default: 60_000 }),
  ...blasEnvVars(),
});

/** The detectors' OpenBLAS options from the environment, for every thread that does maths. */
export function blasOptions(
  env: Pick<MonitorEnv, 'MONITOR_BLAS' | 'MONITOR_BLAS_THREADS' | 'OPENBLAS_CORETYPE'>,
): OpenBlasOptions {
  return {
    mode: env.MONITOR_BLAS,
    threads: env.MONITOR_BLAS_THREADS,
    ...(env.OPENBLAS_CORETYPE === undefined ? {} : { coretype: env.OPENBLAS_CORETYPE }),
  };
}
/** The environment as the kit uses it: the embedded runner may leave KAFKA_BROKERS unset. */
export type MonitorEnv = Omit<z.output<typeof monitorEnvSchema>, 'KAFKA_BROKERS'> & {
  KAFKA_BROKERS: string[] | undefined;
};

/** Variables only some stages' detectors read; set for another stage they are refused, not ignored. */
type StageSpecificVariable = 'MONITOR_GAUSSIAN_RANK' | 'MONITOR_FUSION' | 'MONITOR_PROBE_INTERVAL_MS';

export interface MonitorProfile {
  /** The app's name, as in logs and error messages. */
  app: string;
  /** PORT when unset. */
  defaultPort: number;
  reads: readonly StageSpecificVariable[];
}

/** Per stage: its app, its default port, and the stage-specific variables its detectors read. */
export const MONITOR_PROFILES: Readonly<Record<Stage, MonitorProfile>> = {
  data: { app: 'data-monitor', defaultPort: 8081, reads: [] },
  signals: { app: 'signal-monitor', defaultPort: 8082, reads: [] },
  // The layer Gaussians take the rank; fusion combines the layers' p-values.
  representations: {
    app: 'representation-monitor',
    defaultPort: 8083,
    reads: ['MONITOR_GAUSSIAN_RANK', 'MONITOR_FUSION', 'MONITOR_PROBE_INTERVAL_MS'],
  },
};

export interface LoadMonitorEnvOptions {
  /** The monitor's stage: its default PORT, and refusal of the variables it does not read. */
  stage?: Stage;
  /** The all-in-one runner, on the in-process bus: KAFKA_BROKERS may be unset. */
  embedded?: boolean;
}

/**
 * Validates a monitor's environment (one ConfigError listing every bad variable). Without `env`,
 * loadConfig reads the process environment (the one place that does).
 */
export function loadMonitorEnv(env?: Environment, options: LoadMonitorEnvOptions = {}): MonitorEnv {
  const profile = options.stage ? MONITOR_PROFILES[options.stage] : undefined;
  const refused = Object.fromEntries(
    (['MONITOR_GAUSSIAN_RANK', 'MONITOR_FUSION', 'MONITOR_PROBE_INTERVAL_MS'] as const)
      .filter((name) => profile && !profile.reads.includes(name))
      .map((name) => [name, refusedVar(name, profile!)]),
  );
  const schema = monitorEnvSchema.extend({
    ...(options.embedded ? { KAFKA_BROKERS: kafkaBrokersVar() } : {}),
    ...(profile ? { PORT: portVar(profile.defaultPort) } : {}),
    ...refused,
  });
  return loadConfig(schema, env) as MonitorEnv;
}

/** A variable this stage does not read: set, it is an error (a setting silently ignored is worse). */
function refusedVar(name: StageSpecificVariable, profile: MonitorProfile) {
  const readers = Object.values(MONITOR_PROFILES)
    .filter((p) => p.reads.includes(name))
    .map((p) => p.app)
    .join(', ');
  return z
    .string()
    .optional()
    .refine((value) => value === undefined, {
      message: `is not read by the ${profile.app} (only by ${readers}): unset it`,
    })
    .transform(() => monitorEnvSchema.shape[name].parse(undefined))
    .describe('unset');
}

export function defaultSettings(env: MonitorEnv): MonitorSettingsValues {
  const disabled = (env.MONITOR_DISABLED_DETECTORS ?? '')
    .split(',')
    .map((d) => d.trim())
    .filter(Boolean);
  return {
    alpha: env.MONITOR_ALPHA,
    referenceSize: env.MONITOR_REFERENCE_SIZE,
    calibrationFraction: env.MONITOR_CALIBRATION_FRACTION,
    referenceMode: env.MONITOR_REFERENCE_MODE,
    maxBatchItems: env.MONITOR_MAX_BATCH_ITEMS,
    windowSize: env.MONITOR_WINDOW_SIZE,
    fusion: env.MONITOR_FUSION,
    averageRunLength: env.MONITOR_AVERAGE_RUN_LENGTH,
    detectors: Object.fromEntries(disabled.map((d) => [d, false])),
  };
}
