import type { INestApplication, LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { InfrastructureOptions } from '@damon/infrastructure';
import { JsonLogger } from '@damon/observability';
import { ApiApplicationModule } from './api-application.module';
import type { ApiModuleOptions } from './api.module';
import { consoleStatic } from './static/console-static';

/** The bus and DataSource from configuration (`infrastructure`), or a pair the caller owns and closes. */
type ApiInfrastructure =
  Pick<ApiModuleOptions, 'bus' | 'dataSource'> | { infrastructure: InfrastructureOptions };

export type ApiApplicationOptions = Pick<ApiModuleOptions, 'settings'> &
  ApiInfrastructure & {
    /** Nest's logger; JSON lines at warn and above by default (apps pass their JsonLogger). */
    logger?: LoggerService | LogLevel[] | false;
    /** The console's build (index.html and assets/), served at / beside the API; none when absent. */
    consoleDir?: string;
  };

/**
 * The API as a Nest application, initialised but not listening: apps/api listens on PORT, tests and
 * the benchmark on port 0. Closing the app stops the incident feed, then closes the bus and the
 * DataSource it opened from `infrastructure`; a bus and DataSource handed in are the caller's to close.
 */
export async function createApiApplication(options: ApiApplicationOptions): Promise<INestApplication> {
  const { logger = new JsonLogger('warn'), consoleDir, settings } = options;
  const infrastructure: InfrastructureOptions =
    'infrastructure' in options
      ? options.infrastructure
      : { bus: { shared: options.bus }, database: { shared: options.dataSource } };
  const app = await NestFactory.create(ApiApplicationModule.register({ settings, infrastructure }), {
    logger,
  });
  // No origin listed: no CORS headers, so browsers refuse cross-origin calls.
  app.enableCors({ origin: settings.corsOrigins.length ? settings.corsOrigins : false });
  if (consoleDir) app.use(...consoleStatic(consoleDir));
  await app.init();
  return app;
}
