import type { Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JsonLogger, jsonLogLevel, runService } from '@damon/observability';
import type { Stage } from '@damon/contracts';
import { loadMonitorEnv, MONITOR_PROFILES } from './monitor-config';

/**
 * Runs a stage monitor app: JSON logs, /healthz and /metrics on PORT (default: the stage's own), graceful shutdown on
 * SIGTERM/SIGINT (the app's shutdown hooks stop the consumers first, see StageMonitorService).
 */
export function bootstrapMonitor(rootModule: Type, stage: Stage): void {
  runService(MONITOR_PROFILES[stage].app, async () => {
    const env = loadMonitorEnv(undefined, { stage });
    const logger = new JsonLogger(jsonLogLevel(env.LOG_LEVEL));
    const app = await NestFactory.create(rootModule, { logger });
    await app.listen(env.PORT);
    return { app, logger };
  });
}
