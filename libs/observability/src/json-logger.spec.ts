import { describe, expect, it } from 'vitest';
import { JsonLogger } from './json-logger';

describe('JsonLogger', () => {
  it('writes one JSON object per line with level, context and fields', () => {
    const lines: string[] = [];
    const logger = new JsonLogger('info', (l) => lines.push(l));
    logger.log('listening', 'Bootstrap');
    logger.event('warn', 'consumer', 'dead-lettered', { topic: 'damon.alerts', reason: 'bad' });
    logger.debug('hidden below the threshold');
    logger.error('boom', 'Error: boom\n    at x', 'Consumer');
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records).toHaveLength(3);
    expect(records[0]).toMatchObject({ level: 'info', context: 'Bootstrap', msg: 'listening' });
    expect(records[1]).toMatchObject({
      level: 'warn',
      context: 'consumer',
      msg: 'dead-lettered',
      topic: 'damon.alerts',
      reason: 'bad',
    });
    expect(records[2]).toMatchObject({
      level: 'error',
      context: 'Consumer',
      msg: 'boom',
      stack: 'Error: boom\n    at x',
    });
    expect(typeof records[0].time).toBe('string');
  });
});
