import { JsonLogger } from '@damon/observability';
import { logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { kafkaLogCreator } from './kafka-log';

describe('kafkaLogCreator', () => {
  it("turns kafkajs's lines into JSON lines of the bus logger, at their level", () => {
    const lines: string[] = [];
    const logger = new JsonLogger('warn', (l) => lines.push(l)).forContext('bus');
    const log = kafkaLogCreator(logger)(logLevel.ERROR);
    const entry = (level: logLevel, message: string, extra: Record<string, unknown> = {}) =>
      log({
        namespace: 'Connection',
        level,
        label: logLevel[level],
        log: { timestamp: '2026-01-01T00:00:00.000Z', logger: 'kafkajs', message, ...extra },
      });
    entry(logLevel.ERROR, 'Connection error: connect ECONNREFUSED', { broker: '127.0.0.1:1' });
    entry(logLevel.WARN, 'request timed out', { clientId: 'x' });
    entry(logLevel.INFO, 'below the threshold');
    const rows = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows).toEqual([
      expect.objectContaining({
        level: 'error',
        context: 'bus',
        msg: 'kafkajs: Connection error: connect ECONNREFUSED',
        namespace: 'Connection',
        broker: '127.0.0.1:1',
      }),
      expect.objectContaining({ level: 'warn', msg: 'kafkajs: request timed out', clientId: 'x' }),
    ]);
    expect(rows[0]).not.toHaveProperty('timestamp');
  });
});
