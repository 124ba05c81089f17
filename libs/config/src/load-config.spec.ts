import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from './config-error';
import {
  booleanVar,
  databaseUrlVar,
  integerVar,
  kafkaBrokersVar,
  logLevelVar,
  portVar,
  stringVar,
  type LogLevel,
} from './env-vars';
import { loadConfig } from './load-config';

const appSchema = z.object({
  KAFKA_BROKERS: kafkaBrokersVar(),
  DATABASE_URL: databaseUrlVar(),
  LOG_LEVEL: logLevelVar(),
  PORT: portVar(3000),
  WINDOW_SIZE: integerVar({ min: 1, max: 10_000 }),
  TRUSTED: booleanVar(false),
  SERVICE_NAME: stringVar('damon'),
});

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('returns the typed config, with defaults for unset variables', () => {
    const config = loadConfig(appSchema, { WINDOW_SIZE: '64', OTHER: 'ignored' });
    expect(config).toEqual({
      KAFKA_BROKERS: undefined,
      DATABASE_URL: undefined,
      LOG_LEVEL: 'info',
      PORT: 3000,
      WINDOW_SIZE: 64,
      TRUSTED: false,
      SERVICE_NAME: 'damon',
    });
    expectTypeOf(config.KAFKA_BROKERS).toEqualTypeOf<string[] | undefined>();
    expectTypeOf(config.DATABASE_URL).toEqualTypeOf<string | undefined>();
    expectTypeOf(config.LOG_LEVEL).toEqualTypeOf<LogLevel>();
    expectTypeOf(config.PORT).toEqualTypeOf<number>();
    expectTypeOf(config.TRUSTED).toEqualTypeOf<boolean>();
  });

  it('parses every variable kind', () => {
    const config = loadConfig(appSchema, {
      KAFKA_BROKERS: 'localhost:9092, kafka-2.internal:19092,[::1]:9093',
      DATABASE_URL: 'postgresql://postgres:secret@127.0.0.1:5432/damon',
      LOG_LEVEL: 'DEBUG',
      PORT: '0',
      WINDOW_SIZE: '10000',
      TRUSTED: '1',
      SERVICE_NAME: 'api',
    });
    expect(config.KAFKA_BROKERS).toEqual(['localhost:9092', 'kafka-2.internal:19092', '[::1]:9093']);
    expect(config.DATABASE_URL).toBe('postgresql://postgres:secret@127.0.0.1:5432/damon');
    expect(config.LOG_LEVEL).toBe('debug');
    expect(config.PORT).toBe(0);
    expect(config.WINDOW_SIZE).toBe(10_000);
    expect(config.TRUSTED).toBe(true);
    expect(config.SERVICE_NAME).toBe('api');
  });

  it('treats empty variables as unset', () => {
    const config = loadConfig(appSchema, { WINDOW_SIZE: '5', KAFKA_BROKERS: '', PORT: '' });
    expect(config.KAFKA_BROKERS).toBeUndefined();
    expect(config.PORT).toBe(3000);
    expect(configError(() => loadConfig(appSchema, { WINDOW_SIZE: '' })).problems).toEqual([
      { variable: 'WINDOW_SIZE', problem: 'is required but not set', expected: 'integer in [1, 10000]' },
    ]);
  });

  it('throws one error listing every bad variable with its problem and expected form', () => {
    const error = configError(() =>
      loadConfig(appSchema, {
        KAFKA_BROKERS: 'localhost:9092,kafka',
        DATABASE_URL: 'mysql://root@db/damon',
        LOG_LEVEL: 'loud',
        PORT: '70000',
        TRUSTED: 'yes',
      }),
    );
    expect(error.problems).toEqual([
      {
        variable: 'KAFKA_BROKERS',
        problem: "'kafka' is not host:port",
        expected: expect.stringContaining('host:port') as string,
      },
      {
        variable: 'DATABASE_URL',
        problem: "scheme is 'mysql', not postgres",
        expected: expect.stringContaining('postgres://') as string,
      },
      {
        variable: 'LOG_LEVEL',
        problem: "'loud' is not a log level",
        expected: 'one of fatal|error|warn|info|debug|trace',
      },
      {
        variable: 'PORT',
        problem: '70000 is outside [0, 65535]',
        expected: expect.stringContaining('TCP port') as string,
      },
      { variable: 'WINDOW_SIZE', problem: 'is required but not set', expected: 'integer in [1, 10000]' },
      { variable: 'TRUSTED', problem: "'yes' is not a boolean", expected: 'true, false, 1 or 0' },
    ]);
    for (const name of ['KAFKA_BROKERS', 'DATABASE_URL', 'LOG_LEVEL', 'PORT', 'WINDOW_SIZE', 'TRUSTED']) {
      expect(error.message).toContain(`${name}:`);
    }
    expect(error.message).toMatch(/^Invalid configuration, 6 variable/);
  });

  it('never echoes a secret-bearing value', () => {
    const error = configError(() =>
      loadConfig(z.object({ DATABASE_URL: databaseUrlVar() }), {
        DATABASE_URL: 'postgres://u:hunter2@db:5432',
      }),
    );
    expect(error.problems[0]).toMatchObject({ variable: 'DATABASE_URL', problem: 'names no database' });
    expect(error.message).not.toContain('hunter2');
    expect(
      configError(() =>
        loadConfig(z.object({ DATABASE_URL: databaseUrlVar() }), { DATABASE_URL: 'postgres:///db' }),
      ).problems[0].problem,
    ).toBe('has no host');
  });

  it('requires KAFKA_BROKERS and DATABASE_URL when asked to', () => {
    const schema = z.object({
      KAFKA_BROKERS: kafkaBrokersVar({ required: true }),
      DATABASE_URL: databaseUrlVar({ required: true }),
    });
    const config = loadConfig(schema, { KAFKA_BROKERS: 'k:1', DATABASE_URL: 'postgres://h/db' });
    expectTypeOf(config.KAFKA_BROKERS).toEqualTypeOf<string[]>();
    expectTypeOf(config.DATABASE_URL).toEqualTypeOf<string>();
    expect(
      configError(() => loadConfig(schema, {})).problems.map((p) => `${p.variable} ${p.problem}`),
    ).toEqual(['KAFKA_BROKERS is required but not set', 'DATABASE_URL is required but not set']);
  });

  it('rejects malformed integers, ports and broker ports', () => {
    const schema = z.object({ N: integerVar({ min: -5, max: 5 }), B: kafkaBrokersVar() });
    expect(loadConfig(schema, { N: '-5' }).N).toBe(-5);
    const problems = configError(() => loadConfig(schema, { N: '2.5', B: 'a:0' })).problems;
    expect(problems.map((p) => p.problem)).toEqual([
      "'2.5' is not an integer",
      "port of 'a:0': 0 is outside [1, 65535]",
    ]);
    expect(configError(() => loadConfig(schema, { N: '6' })).problems[0].problem).toBe(
      '6 is outside [-5, 5]',
    );
    expect(configError(() => loadConfig(schema, { N: '1', B: 'a:1,,b:2' })).problems[0].problem).toBe(
      "'' is not host:port",
    );
  });

  it('reads process.env by default', () => {
    const schema = z.object({ PATH: stringVar() });
    expect(loadConfig(schema).PATH.length).toBeGreaterThan(0);
  });
});
