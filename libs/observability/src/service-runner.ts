import type { INestApplication } from '@nestjs/common';
import { ConfigError, type LogLevel } from '@damon/config';
import { JsonLogger, type JsonLogLevel } from './json-logger';

export interface StartedService {
  /** The Nest application, already listening. */
  app: INestApplication;
  logger: JsonLogger;
  /** Closes what the app does not own (a bus, a pool), after the app closed. */
  afterClose?: () => Promise<void>;
}

/**
 * Runs a service process: logs where it listens, and on SIGTERM/SIGINT closes the app (its
 * shutdown hooks finish the batch in hand, commit and leave the group), then what it opened, and
 * exits 0 — a signal re-raised instead would read as a crash to supervisors. A failed start
 * logs the reason (every bad variable, for a ConfigError) as a JSON line and exits 1.
 */
export function runService(name: string, start: () => Promise<StartedService>): void {
  start().then(
    ({ app, logger, afterClose }) => {
      logger.event('info', name, 'listening', { port: listeningPort(app) });
      for (const signal of ['SIGTERM', 'SIGINT'] as const) {
        process.once(signal, () => {
          logger.event('info', name, 'stopping', { signal });
          app
            .close()
            .then(() => afterClose?.())
            .then(
              () => {
                logger.event('info', name, 'stopped');
                process.exit(0);
              },
              (error: unknown) => {
                logger.error(error);
                process.exit(1);
              },
            );
        });
      }
    },
    (error: unknown) => {
      // Before the configuration is read there is no level: a failed start is always logged.
      new JsonLogger('error').event('error', name, 'failed to start', {
        error:
          error instanceof ConfigError
            ? error.message
            : error instanceof Error
              ? (error.stack ?? error.message)
              : String(error),
      });
      process.exit(1);
    },
  );
}

/** The port the app's HTTP server is bound to (PORT=0 asks the system for a free one). */
export function listeningPort(app: INestApplication): number | undefined {
  const address = (app.getHttpServer() as { address(): { port: number } | string | null }).address();
  return typeof address === 'object' && address ? address.port : undefined;
}

/** The configured log level as the JSON logger's, which folds fatal into error and trace into debug. */
export function jsonLogLevel(level: LogLevel): JsonLogLevel {
  switch (level) {
    case 'fatal':
    case 'error':
      return 'error';
    case 'warn':
      return 'warn';
    case 'info':
      return 'info';
    case 'debug':
    case 'trace':
      return 'debug';
  }
}
