import type { LoggerService, LogLevel } from '@nestjs/common';

const ORDER: Record<LogLevel, number> = { verbose: 0, debug: 1, log: 2, warn: 3, error: 4, fatal: 5 };

export type JsonLogLevel = 'debug' | 'info' | 'warn' | 'error';
const FROM_NAME: Record<JsonLogLevel, LogLevel> = {
  debug: 'debug',
  info: 'log',
  warn: 'warn',
  error: 'error',
};

/**
 * Structured logs: one JSON object per line on stdout (`time`, `level`, `context`, `msg`, extra
 * fields), so that a log pipeline can parse them. Also Nest's logger, so framework logs match.
 */
export class JsonLogger implements LoggerService {
  private readonly threshold: number;

  constructor(
    level: JsonLogLevel = 'info',
    private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  ) {
    this.threshold = ORDER[FROM_NAME[level]];
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
  event(level: JsonLogLevel, context: string, msg: string, fields: Record<string, unknown> = {}): void {
    const nestLevel = FROM_NAME[level];
    if (ORDER[nestLevel] < this.threshold) return;
    this.write(JSON.stringify({ time: new Date().toISOString(), level, context, msg, ...fields }));
  }

  private emit(level: LogLevel, message: unknown, rest: unknown[]): void {
    if (ORDER[level] < this.threshold) return;
    // Nest passes the context as the last string argument, and a stack before it for errors.
    const context = typeof rest.at(-1) === 'string' ? (rest.pop() as string) : undefined;
    const stack = level === 'error' && typeof rest[0] === 'string' ? rest.shift() : undefined;
    const record: Record<string, unknown> = {
      time: new Date().toISOString(),
      level: level === 'log' ? 'info' : level,
      context,
      msg: message instanceof Error ? message.message : message,
    };
    if (stack) record.stack = stack;
    if (message instanceof Error && message.stack) record.stack = message.stack;
    if (rest.length) record.details = rest;
    this.write(JSON.stringify(record));
  }
}
