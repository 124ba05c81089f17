import { Client } from 'pg';
import { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import { QueryFailedError } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { InvalidEventError, MessageTooLargeError } from './bus';
import { DependencyUnavailableError, isInfrastructureError } from './infrastructure-error';

const sqlError = (code: string, message: string) =>
  new QueryFailedError('SELECT 1', [], Object.assign(new Error(message), { code }));

describe('isInfrastructureError', () => {
  it('classifies a real refused PostgreSQL connection (nothing listens on the port)', async () => {
    const client = new Client({
      host: '127.0.0.1',
      port: 1,
      user: 'postgres',
      connectionTimeoutMillis: 2_000,
    });
    const error: unknown = await client.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeDefined();
    expect(isInfrastructureError(error)).toBe(true);
  });

  it('classifies server-side outages by SQLSTATE (class 08, 57P, too many connections), through TypeORM', () => {
    expect(
      isInfrastructureError(sqlError('57P01', 'terminating connection due to administrator command')),
    ).toBe(true);
    expect(isInfrastructureError(sqlError('08006', 'connection failure'))).toBe(true);
    expect(isInfrastructureError(sqlError('53300', 'sorry, too many clients already'))).toBe(true);
    expect(isInfrastructureError(sqlError('40001', 'could not serialize access'))).toBe(true);
  });

  it('classifies pg errors without a code by what pg says, and kafkajs connection errors wrapped in retries', () => {
    expect(isInfrastructureError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isInfrastructureError(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isInfrastructureError(new KafkaJSConnectionError('Connection error: connect ECONNREFUSED'))).toBe(
      true,
    );
    const wrapped = new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError('Connection timeout'), {
      retryCount: 5,
      retryTime: 1000,
    });
    expect(isInfrastructureError(wrapped)).toBe(true);
    expect(isInfrastructureError(new Error('publish failed', { cause: wrapped }))).toBe(true);
    expect(isInfrastructureError(new DependencyUnavailableError('database', 'pool closing'))).toBe(true);
  });

  it('leaves input and code errors to the dead-letter path', () => {
    expect(isInfrastructureError(sqlError('22P02', 'invalid input syntax for type uuid'))).toBe(false);
    expect(isInfrastructureError(sqlError('23505', 'duplicate key value violates unique constraint'))).toBe(
      false,
    );
    expect(isInfrastructureError(sqlError('42P01', 'relation "x" does not exist'))).toBe(false);
    expect(isInfrastructureError(new InvalidEventError('damon.alerts', 'pValue: too big'))).toBe(false);
    expect(isInfrastructureError(new MessageTooLargeError('damon.alerts', 20_000_000, 16_777_216))).toBe(
      false,
    );
    expect(isInfrastructureError(new ZodError([]))).toBe(false);
    expect(isInfrastructureError(new TypeError("Cannot read properties of undefined (reading 'x')"))).toBe(
      false,
    );
    // A protocol error kafkajs will not retry (e.g. a record too large for the broker) is not an outage.
    expect(
      isInfrastructureError(
        new KafkaJSProtocolError(
          Object.assign(new Error('too large'), { type: 'MESSAGE_TOO_LARGE', code: 10, retriable: false }),
        ),
      ),
    ).toBe(false);
    expect(isInfrastructureError('a string')).toBe(false);
    expect(isInfrastructureError(undefined)).toBe(false);
  });
});
