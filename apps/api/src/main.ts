import 'reflect-metadata';
import { createApiApplication } from '@damon/api';
import { JsonLogger, jsonLogLevel, runService } from '@damon/observability';
import { apiSettings, consoleDir, loadApiConfig } from './api-config';

runService('api', async () => {
  const config = loadApiConfig();
  const logger = new JsonLogger(jsonLogLevel(config.LOG_LEVEL));
  const app = await createApiApplication({
    infrastructure: {
      bus: { kafka: { brokers: config.KAFKA_BROKERS, clientId: 'api', logger: logger.forContext('bus') } },
      database: { url: config.DATABASE_URL, poolSize: 10 },
    },
    settings: apiSettings(config),
    logger,
    consoleDir: consoleDir(config),
  });
  await app.listen(config.PORT);
  // app.close() stops the incident feed and the HTTP server, then closes the bus and the pool.
  return { app, logger };
});
