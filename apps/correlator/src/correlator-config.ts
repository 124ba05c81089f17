import {
  databaseUrlVar,
  integerVar,
  kafkaBrokersVar,
  loadConfig,
  logLevelVar,
  portVar,
  stringVar,
  type Environment,
} from '@damon/config';
import type { CorrelationSettings, NotificationSettings } from '@damon/correlation';
import { z } from 'zod';

export const correlatorConfigSchema = z.object({
  KAFKA_BROKERS: kafkaBrokersVar({ required: true }),
  DATABASE_URL: databaseUrlVar({ required: true }),
  CORRELATION_HOPS: integerVar({ min: 0, max: 10, default: 3 }),
  CORRELATION_WINDOW_MINUTES: integerVar({ min: 1, max: 7 * 24 * 60, default: 60 }),
  GROUP_WAIT_SECONDS: integerVar({ min: 0, max: 24 * 60 * 60, default: 30 }),
  PORT: portVar(8080),
  LOG_LEVEL: logLevelVar(),
  CORRELATOR_GROUP: stringVar('correlator'),
  /** How soon the group notices a member died without leaving (kill -9, lost host). */
  KAFKA_SESSION_TIMEOUT_MS: integerVar({ min: 6_000, max: 300_000, default: 10_000 }),
  /** Notification delivery: attempts before giving up, back-off (doubling from the base), request timeout. */
  NOTIFICATION_MAX_ATTEMPTS: integerVar({ min: 1, max: 100, default: 10 }),
  NOTIFICATION_RETRY_BASE_MS: integerVar({ min: 10, max: 3_600_000, default: 1_000 }),
  NOTIFICATION_RETRY_MAX_MS: integerVar({ min: 10, max: 86_400_000, default: 300_000 }),
  NOTIFICATION_TIMEOUT_MS: integerVar({ min: 100, max: 300_000, default: 10_000 }),
});

export type CorrelatorConfig = z.output<typeof correlatorConfigSchema>;

/** Throws one ConfigError listing every bad variable. */
export function loadCorrelatorConfig(env?: Environment): CorrelatorConfig {
  return loadConfig(correlatorConfigSchema, env);
}

export function correlationSettings(config: CorrelatorConfig): CorrelationSettings {
  return {
    hops: config.CORRELATION_HOPS,
    windowMs: config.CORRELATION_WINDOW_MINUTES * 60_000,
    groupWaitMs: config.GROUP_WAIT_SECONDS * 1_000,
    group: config.CORRELATOR_GROUP,
  };
}

export function notificationSettings(config: CorrelatorConfig): Partial<NotificationSettings> {
  return {
    maxAttempts: config.NOTIFICATION_MAX_ATTEMPTS,
    baseDelayMs: config.NOTIFICATION_RETRY_BASE_MS,
    maxDelayMs: Math.max(config.NOTIFICATION_RETRY_BASE_MS, config.NOTIFICATION_RETRY_MAX_MS),
    timeoutMs: config.NOTIFICATION_TIMEOUT_MS,
  };
}
