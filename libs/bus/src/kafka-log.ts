import { logLevel as KafkaLogLevel, type logCreator } from 'kafkajs';
import type { BusLogger } from './delivery-pipeline';

/**
 * kafkajs's own log lines (connection errors, crashes, rebalances) sent to the bus logger as
 * structured fields (`namespace`, `broker`, `groupId`, `error`, …) instead of kafkajs's plain text.
 */
export function kafkaLogCreator(logger: BusLogger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _timestamp, logger: _logger, ...extra } = log;
      const fields = { namespace, ...(extra as Record<string, unknown>) };
      const text = `kafkajs: ${String(message)}`;
      switch (level) {
        case KafkaLogLevel.ERROR:
          return logger.error(text, fields);
        case KafkaLogLevel.WARN:
          return logger.warn(text, fields);
        case KafkaLogLevel.INFO:
          return logger.info?.(text, fields);
        case KafkaLogLevel.DEBUG:
          return logger.debug?.(text, fields);
        case KafkaLogLevel.NOTHING:
          return;
      }
    };
}
