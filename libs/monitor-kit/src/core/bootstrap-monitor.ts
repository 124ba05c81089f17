import type { Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JsonLogger, jsonLogLevel, runService } from '@damon/observability';
import { loadMonitorEnv } from './monitor-config';

/**
 * Runs a stage monitor app: JSON logs, /healthz and /metrics on PORT, graceful shutdown on
 * SIGTERM/SIGINT (the app's shutdown hooks stop the consumers first, see StageMonitorService).
 */
export function bootstrapMonitor(rootModule: Type, name: string): void {
  runService(name, async () => {
    const env = loadMonitorEnv();
    const logger = new JsonLogger(jsonLogLevel(env.LOG_LEVEL));
    const app = await NestFactory.create(rootModule, { logger });
    await app.listen(env.PORT);
    return { app, logger };
  });
}
