import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigError } from '@damon/config';
import { JsonLogger } from '@damon/observability';
import { loadCorrelatorConfig } from './correlator-config';
import { CorrelatorModule } from './correlator.module';

async function bootstrap(): Promise<void> {
  const config = loadCorrelatorConfig();
  const logger = new JsonLogger('info');
  const app = await NestFactory.create(CorrelatorModule.register(config), { logger });
  await app.listen(config.PORT);
  logger.event('info', 'correlator', 'listening', { port: config.PORT });
  // SIGTERM/SIGINT: app.close() runs the shutdown hooks (the consumer finishes the batch in hand and
  // commits, the outbox drains, bus and pool close), then exit 0. Nest's own enableShutdownHooks
  // would re-raise the signal instead, which reads as a crash to process supervisors.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.event('info', 'correlator', 'stopping', { signal });
      app.close().then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(error);
          process.exit(1);
        },
      );
    });
  }
}

bootstrap().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
