import type { LoggerService, LogLevel as NestLogLevel } from '@nestjs/common';
import { pino, stdTimeFunctions, type DestinationStream, type Level, type Logger as Pino } from 'pino';

export type JsonLogLevel = 'debug' | 'info' | 'warn' | 'error';

/** What replaces a secret in a log line. */
export const REDACTED = '[redacted]';

/**
 * Fields that hold a secret whatever their value: pino replaces them (at the top level, one level
 * down, and in request headers) before the line is serialised.
 */
const SECRET_KEYS = [
  'authorization',
  'Authorization',
  'apiKey',
  'api_key',
  'key',
  'secret',
  'password',
  'token',
  'cookie',
];
const REDACT_PATHS = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  ...['headers', 'req.headers', '*.headers'].flatMap((h) =>
    ['authorization', 'cookie', 'x-api-key'].map((k) => `${h}["${k}"]`),
  ),
];

/**
 * Secrets inside free text (an error message quoting a connection string, a header echoed back):
 * a URL's password, a bearer token, a damon API key (`dmn_<id>_<secret>`).
 */
const SECRET_PATTERNS: [RegExp, string][] = [
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]+@/gi, `$1${REDACTED}@`],
  [/\b(Bearer\s+)[^\s"',]+/gi, `$1${REDACTED}`],
  [/\b(dmn_[0-9a-f]{12}_)[A-Za-z0-9_-]{43}\b/g, `$1${REDACTED}`],
];

/** `text` with the secrets SECRET_PATTERNS recognise replaced. */
export function scrubSecrets(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/** Strings scrubbed at any depth (bounded, cycles left alone); other values as they are. */
function scrubValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubSecrets(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { message: scrubSecrets(value.message), stack: scrubValue(value.stack) };
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, depth + 1));
  if (Buffer.isBuffer(value) || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrubValue(v, depth + 1);
  return out;
}

const NEST_TO_PINO: Record<NestLogLevel, Level> = {
  verbose: 'trace',
  debug: 'debug',
  log: 'info',
  warn: 'warn',
  error: 'error',
  fatal: 'fatal',
};

/** Structured fields of one line, as `logger.event(…, fields)` and the bus hand them in. */
export type LogFields = Record<string, unknown>;

/** A logger bound to one context (`bus`, `scheduler`, …), for code that is handed a logger. */
export interface ContextLogger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

/**
 * The one logger of every process: one JSON object per line on stdout (`time`, `level`, `context`,
 * `msg`, extra fields) through pino, with secrets redacted (API keys, Authorization headers,
 * passwords, credentials in URLs), below the level threshold dropped. It is also Nest's logger
 * (`NestFactory.create(…, { logger })`), so framework lines and `new Logger(ctx)` calls in the libraries
 * come out the same way, and hands the bus and the schedulers a `ContextLogger` (`forContext`).
 */
export class JsonLogger implements LoggerService {
  private readonly pino: Pino;

  /**
   * @param write where each line goes (without its newline); stdout, synchronously, by default, so
   *   that nothing is lost when the process exits right after logging.
   */
  constructor(level: JsonLogLevel = 'info', write?: (line: string) => void) {
    const destination: DestinationStream = write
      ? { write: (chunk: string) => write(chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk) }
      : pino.destination({ dest: 1, sync: true });
    this.pino = pino(
      {
        level,
        base: undefined,
        timestamp: stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
        redact: { paths: REDACT_PATHS, censor: REDACTED },
      },
      destination,
    );
  }

  /** The threshold (debug, info, warn or error). */
  get level(): string {
    return this.pino.level;
  }

  log(message: unknown, ...rest: unknown[]): void {
    this.emit('log', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.emit('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.emit('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.emit('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.emit('verbose', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.emit('fatal', message, rest);
  }

  /** Logs with structured fields: `logger.event('info', 'alert', 'published', { alertId })`. */
  event(level: JsonLogLevel, context: string, msg: string, fields: LogFields = {}): void {
    if (!this.pino.isLevelEnabled(level)) return;
    this.pino[level]({ context, ...(scrubValue(fields) as LogFields) }, scrubSecrets(msg));
  }

  /** This logger with `context` fixed (what the bus and the schedulers are handed). */
  forContext(context: string): ContextLogger {
    return {
      debug: (msg, fields) => this.event('debug', context, msg, fields),
      info: (msg, fields) => this.event('info', context, msg, fields),
      warn: (msg, fields) => this.event('warn', context, msg, fields),
      error: (msg, fields) => this.event('error', context, msg, fields),
    };
  }

  private emit(nestLevel: NestLogLevel, message: unknown, rest: unknown[]): void {
    const level = NEST_TO_PINO[nestLevel];
    if (!this.pino.isLevelEnabled(level)) return;
    // Nest passes the context as the last string argument, and a stack before it for errors.
    const context = typeof rest.at(-1) === 'string' ? (rest.pop() as string) : undefined;
    const stack = nestLevel === 'error' && typeof rest[0] === 'string' ? rest.shift() : undefined;
    const record: LogFields = { context };
    if (stack) record.stack = stack;
    if (message instanceof Error && message.stack) record.stack = message.stack;
    if (rest.length) record.details = rest;
    let text: string;
    if (message instanceof Error) text = message.message;
    else if (typeof message === 'string') text = message;
    else if (message !== null && typeof message === 'object') {
      // An object is logged as fields (so that its secrets are redacted by key), not as text.
      record.data = message;
      const inner = (message as { message?: unknown }).message;
      text = typeof inner === 'string' ? inner : '';
    } else text = String(message);
    this.pino[level](scrubValue(record) as LogFields, scrubSecrets(text));
  }
}
