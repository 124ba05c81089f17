import type { INestApplication, LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ApiApplicationModule } from './api-application.module';
import type { ApiModuleOptions } from './api.module';
import { consoleStatic } from './static/console-static';

export interface ApiApplicationOptions extends ApiModuleOptions {
  logger?: LoggerService | LogLevel[] | false;
  /** The console's build (index.html and assets/), served at / beside the API; none when absent. */
  consoleDir?: string;
}

/**
 * The API as a Nest application, initialised but not listening: apps/api listens on PORT, tests and
 * the benchmark on port 0. Closing the app stops the incident feed; the caller then closes the bus
 * and the DataSource it handed in.
 */
export async function createApiApplication(options: ApiApplicationOptions): Promise<INestApplication> {
  const { logger = ['error', 'warn'], consoleDir, ...moduleOptions } = options;
  const app = await NestFactory.create(ApiApplicationModule.register(moduleOptions), { logger });
  // No origin listed: no CORS headers, so browsers refuse cross-origin calls.
  app.enableCors({
    origin: moduleOptions.settings.corsOrigins.length ? moduleOptions.settings.corsOrigins : false,
  });
  if (consoleDir) app.use(...consoleStatic(consoleDir));
  await app.init();
  return app;
}
