import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { JsonLogger, jsonLogLevel, runService } from '@damon/observability';
import { loadCorrelatorConfig } from './correlator-config';
import { CorrelatorModule } from './correlator.module';

// On SIGTERM the app's shutdown hooks finish the batch in hand and commit, drain the outbox, and
// then InfrastructureModule closes the bus and the pool.
runService('correlator', async () => {
  const config = loadCorrelatorConfig();
  const logger = new JsonLogger(jsonLogLevel(config.LOG_LEVEL));
  const app = await NestFactory.create(CorrelatorModule.register(config, logger), { logger });
  await app.listen(config.PORT);
  return { app, logger };
});
