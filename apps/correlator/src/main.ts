import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { JsonLogger, runService } from '@damon/observability';
import { loadCorrelatorConfig } from './correlator-config';
import { CorrelatorModule } from './correlator.module';

// On SIGTERM the app's shutdown hooks finish the batch in hand and commit, drain the outbox, and
// close the bus and the pool (ResourceCloser).
runService('correlator', async () => {
  const config = loadCorrelatorConfig();
  const logger = new JsonLogger('info');
  const app = await NestFactory.create(CorrelatorModule.register(config), { logger });
  await app.listen(config.PORT);
  return { app, logger };
});
