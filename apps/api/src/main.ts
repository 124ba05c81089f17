import 'reflect-metadata';
import { createApiApplication } from '@damon/api';
import { KafkaBus } from '@damon/bus';
import { ConfigError } from '@damon/config';
import { JsonLogger, type JsonLogLevel } from '@damon/observability';
import { openServiceDataSource } from '@damon/persistence';
import { apiSettings, loadApiConfig } from './api-config';

async function bootstrap(): Promise<void> {
  const config = loadApiConfig();
  const dataSource = await openServiceDataSource(config.DATABASE_URL, { poolSize: 10 });
  const bus = new KafkaBus({ brokers: config.KAFKA_BROKERS, clientId: 'api' });
  const level: JsonLogLevel =
    config.LOG_LEVEL === 'fatal' ? 'error' : config.LOG_LEVEL === 'trace' ? 'debug' : config.LOG_LEVEL;
  const app = await createApiApplication({
    dataSource,
    bus,
    settings: apiSettings(config),
    logger: new JsonLogger(level),
  });
  await app.listen(config.PORT);
  console.log(`api listening on ${config.PORT}`);
  // app.close() stops the incident feed and the HTTP server; then the bus and the pool close.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      console.log(`api: ${signal}, stopping`);
      app
        .close()
        .then(() => bus.close())
        .then(() => dataSource.destroy())
        .then(
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
  console.error(
    error instanceof ConfigError
      ? error.message
      : error instanceof Error
        ? (error.stack ?? error.message)
        : error,
  );
  process.exit(1);
});
