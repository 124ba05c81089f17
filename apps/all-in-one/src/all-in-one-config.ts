import {
  databaseUrlVar,
  integerVar,
  kafkaBrokersVar,
  loadConfig,
  logLevelVar,
  portVar,
  type Environment,
} from '@damon/config';
import { STORY_REFERENCE } from '@damon/scenario';
import { z } from 'zod';

/**
 * The all-in-one runner's environment. Without KAFKA_BROKERS the parts share an in-process bus;
 * without DATABASE_URL an embedded PostgreSQL in the data folder. MONITOR_ALPHA is the monitors'
 * false-positive rate per scored unit (lower than a service's 0.01 default, so that a clean
 * pipeline left running stays quiet longer); the reference sizes are per stage, in that stage's
 * unit (samples, training steps, activation rows), by default what the built-in story's trusted
 * phase sends.
 */
export const allInOneConfigSchema = z.object({
  KAFKA_BROKERS: kafkaBrokersVar(),
  DATABASE_URL: databaseUrlVar(),
  PORT: portVar(4000),
  LOG_LEVEL: logLevelVar('warn'),
  MONITOR_ALPHA: z
    .string()
    .regex(/^0?\.[0-9]+$/, 'must be a decimal in (0, 1), e.g. 0.002')
    .default('0.002')
    .describe('a decimal in (0, 1)'),
  DATA_REFERENCE_SIZE: integerVar({ min: 4, max: 10_000_000, default: STORY_REFERENCE.dataSamples }),
  SIGNAL_REFERENCE_SIZE: integerVar({ min: 4, max: 10_000_000, default: STORY_REFERENCE.signalSteps }),
  REPRESENTATION_REFERENCE_SIZE: integerVar({
    min: 4,
    max: 10_000_000,
    default: STORY_REFERENCE.activationRows,
  }),
  GROUP_WAIT_SECONDS: integerVar({ min: 0, max: 24 * 60 * 60, default: 5 }),
  /**
   * Prepended to the consumer groups (`<prefix>data-monitor`, …, `<prefix>correlator`): several
   * all-in-one runs, or a run beside the services, on one shared Kafka each read with their own groups.
   */
  CONSUMER_GROUP_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/, 'letters, digits, dot, underscore and dash only')
    .default('')
    .describe('a consumer group name prefix'),
});

export type AllInOneConfig = z.output<typeof allInOneConfigSchema>;

export function loadAllInOneConfig(env?: Environment): AllInOneConfig {
  return loadConfig(allInOneConfigSchema, env);
}
