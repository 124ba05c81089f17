/**
 * Whether an error is a failure of our own infrastructure (the database or the broker unreachable,
 * a connection refused or cut, a server shutting down) rather than of the input. Such a failure is
 * never the message's fault: the bus waits and retries for as long as it lasts and never
 * dead-letters the message. Classified by error type and code, looking through wrapped causes
 * (TypeORM's `driverError`, kafkajs's `originalError`, `cause`, AggregateError's `errors`).
 */
export function isInfrastructureError(error: unknown): boolean {
  return causes(error).some(isOwnInfrastructureFailure);
}

/** Raised by code that finds a dependency unavailable itself (e.g. a pool that is shutting down). */
export class DependencyUnavailableError extends Error {
  override readonly name = 'DependencyUnavailableError';
  constructor(
    readonly dependency: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${dependency} unavailable: ${detail}`, options);
  }
}

/** Socket-level failures (Node's system error codes) on any connection. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * PostgreSQL SQLSTATEs of a server that is unavailable or overloaded, not of a bad statement:
 * class 08 (connection exception), 57P01–57P05 (admin/crash shutdown, cannot connect now, …),
 * 53300 (too many connections), 53100/53200 (disk full, out of memory), 58030 (I/O error), and the
 * transient 40001/40P01 (serialization failure, deadlock), which succeed when retried.
 */
function isTransientSqlState(code: string): boolean {
  return (
    code.startsWith('08') ||
    code.startsWith('57P') ||
    ['53100', '53200', '53300', '58030', '40001', '40P01'].includes(code)
  );
}

/** pg and pg-pool raise these without a code when a connection dies or cannot be had. */
const PG_CONNECTION_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /client has encountered a connection error and is not queryable/i,
  /client was closed and is not queryable/i,
  /cannot use a pool after calling end on the pool/i,
  /terminating connection due to administrator command/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
];

/** kafkajs's errors of an unreachable or unready cluster (its retriable errors included). */
const KAFKAJS_INFRASTRUCTURE_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSGroupCoordinatorNotFound',
  'KafkaJSTimeout',
  'KafkaJSLockTimeout',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSStaleTopicMetadataAssignment',
]);

function isOwnInfrastructureFailure(error: object): boolean {
  if (error instanceof DependencyUnavailableError) return true;
  const { code, name, message, retriable } = error as {
    code?: unknown;
    name?: unknown;
    message?: unknown;
    retriable?: unknown;
  };
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code) && isTransientSqlState(code)) return true;
  }
  if (typeof name === 'string' && name.startsWith('KafkaJS')) {
    if (KAFKAJS_INFRASTRUCTURE_NAMES.has(name) || retriable === true) return true;
  }
  return typeof message === 'string' && PG_CONNECTION_MESSAGES.some((pattern) => pattern.test(message));
}

/** The error and everything it wraps, breadth first, each object once. */
function causes(error: unknown): object[] {
  const seen = new Set<object>();
  const queue: unknown[] = [error];
  while (queue.length > 0 && seen.size < 32) {
    const next = queue.shift();
    if (typeof next !== 'object' || next === null || seen.has(next)) continue;
    seen.add(next);
    const wrapped = next as {
      cause?: unknown;
      driverError?: unknown;
      originalError?: unknown;
      errors?: unknown;
    };
    queue.push(wrapped.cause, wrapped.driverError, wrapped.originalError);
    if (Array.isArray(wrapped.errors)) queue.push(...(wrapped.errors as unknown[]));
  }
  return [...seen];
}
