import { loadConfig, logLevelVar } from '@damon/config';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { JsonLogger, REDACTED, scrubSecrets } from './json-logger';
import { jsonLogLevel } from './service-runner';

function capture(level: ConstructorParameters<typeof JsonLogger>[0] = 'info') {
  const lines: string[] = [];
  const logger = new JsonLogger(level, (l) => lines.push(l));
  const records = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { logger, lines, records };
}

const API_KEY = `dmn_0123456789ab_${'A'.repeat(43)}`;

describe('JsonLogger', () => {
  it('writes one JSON object per line with level, context and fields', () => {
    const { logger, lines, records } = capture();
    logger.log('listening', 'Bootstrap');
    logger.event('warn', 'consumer', 'dead-lettered', { topic: 'damon.alerts', reason: 'bad' });
    logger.debug('hidden below the threshold');
    logger.error('boom', 'Error: boom\n    at x', 'Consumer');
    expect(lines.every((l) => !l.includes('\n'))).toBe(true);
    const rows = records();
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatchObject({ level: 'info', context: 'Bootstrap', msg: 'listening' });
    expect(rows[1]).toMatchObject({
      level: 'warn',
      context: 'consumer',
      msg: 'dead-lettered',
      topic: 'damon.alerts',
      reason: 'bad',
    });
    expect(rows[2]).toMatchObject({
      level: 'error',
      context: 'Consumer',
      msg: 'boom',
      stack: 'Error: boom\n    at x',
    });
    expect(new Date(rows[0].time as string).toISOString()).toBe(rows[0].time);
  });

  it('drops lines below the LOG_LEVEL threshold', () => {
    const schema = z.object({ LOG_LEVEL: logLevelVar() });
    const seen = (LOG_LEVEL: string) => {
      const { logger, records } = capture(jsonLogLevel(loadConfig(schema, { LOG_LEVEL }).LOG_LEVEL));
      logger.debug('d');
      logger.verbose('v');
      logger.log('i');
      logger.event('info', 'x', 'i2');
      logger.warn('w');
      logger.event('error', 'x', 'e');
      logger.fatal('f');
      return records().map((r) => `${r.level as string}:${r.msg as string}`);
    };
    expect(seen('warn')).toEqual(['warn:w', 'error:e', 'fatal:f']);
    expect(seen('error')).toEqual(['error:e', 'fatal:f']);
    expect(seen('info')).toEqual(['info:i', 'info:i2', 'warn:w', 'error:e', 'fatal:f']);
    expect(seen('DEBUG')).toEqual(['debug:d', 'info:i', 'info:i2', 'warn:w', 'error:e', 'fatal:f']);
  });

  it('redacts API keys, Authorization headers, secrets and database passwords', () => {
    const { logger, lines } = capture();
    logger.event('info', 'api', 'request', {
      apiKey: API_KEY,
      headers: { authorization: `Bearer ${API_KEY}`, 'x-api-key': 'k-123', accept: 'application/json' },
      settings: { secret: 's3cr3t-value', password: 'hunter2-pw' },
    });
    logger.event('error', 'db', 'connect failed: postgres://damon:hunter2-pw@db:5432/damon refused');
    logger.error(new Error(`bad key ${API_KEY}`), 'Auth');
    logger.warn({ token: 'tok-abcdef', status: 401 }, 'Http');
    const text = lines.join('\n');
    for (const secret of ['AAAAAAAAAAAAAAAAAAAA', 'hunter2-pw', 's3cr3t-value', 'k-123', 'tok-abcdef']) {
      expect(text).not.toContain(secret);
    }
    const rows = lines.map((l) => JSON.parse(l) as Record<string, Record<string, unknown>>);
    expect(rows[0].apiKey).toBe(REDACTED);
    expect(rows[0].headers).toEqual({
      authorization: REDACTED,
      'x-api-key': REDACTED,
      accept: 'application/json',
    });
    expect(rows[1].msg).toBe(`connect failed: postgres://damon:${REDACTED}@db:5432/damon refused`);
    expect(rows[2].msg).toBe(`bad key dmn_0123456789ab_${REDACTED}`);
    expect(rows[0].settings).toEqual({ secret: REDACTED, password: REDACTED });
    expect(rows[3]).toMatchObject({ context: 'Http', data: { token: REDACTED, status: 401 } });
    // What is not a secret stays readable.
    expect(scrubSecrets('postgres://postgres@127.0.0.1:5432/damon')).toBe(
      'postgres://postgres@127.0.0.1:5432/damon',
    );
  });

  it('hands out loggers bound to a context', () => {
    const { logger, records } = capture('debug');
    const bus = logger.forContext('bus');
    bus.debug('joined', { group: 'g' });
    bus.error('crashed', { error: 'Authorization: Bearer xyz' });
    expect(records()).toMatchObject([
      { level: 'debug', context: 'bus', msg: 'joined', group: 'g' },
      { level: 'error', context: 'bus', msg: 'crashed', error: `Authorization: Bearer ${REDACTED}` },
    ]);
  });
});
