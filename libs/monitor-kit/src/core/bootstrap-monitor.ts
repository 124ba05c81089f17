import type { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JsonLogger } from '@damon/observability';
import { loadMonitorEnv } from './monitor-config';
import { jsonLogLevel } from './monitor-kit.module';

/**
 * Starts a stage monitor app: JSON logs, /healthz and /metrics on PORT, graceful shutdown on
 * SIGTERM/SIGINT (Nest's shutdown hooks stop the consumers first, see StageMonitorService).
 */
export async function bootstrapMonitor(rootModule: Type, name: string): Promise<INestApplication> {
  const env = loadMonitorEnv();
  const logger = new JsonLogger(jsonLogLevel(env.LOG_LEVEL));
  const app = await NestFactory.create(rootModule, { logger });
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  await app.listen(env.PORT);
  const server = app.getHttpServer() as { address(): { port: number } | string | null };
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : env.PORT;
  logger.event('info', name, 'listening', { port });
  return app;
}
