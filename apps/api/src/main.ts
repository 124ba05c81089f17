import 'reflect-metadata';
import { createApiApplication } from '@damon/api';
import { KafkaBus } from '@damon/bus';
import { JsonLogger, jsonLogLevel, runService } from '@damon/observability';
import { openServiceDataSource } from '@damon/persistence';
import { apiSettings, consoleDir, loadApiConfig } from './api-config';

runService('api', async () => {
  const config = loadApiConfig();
  const dataSource = await openServiceDataSource(config.DATABASE_URL, { poolSize: 10 });
  const bus = new KafkaBus({ brokers: config.KAFKA_BROKERS, clientId: 'api' });
  const logger = new JsonLogger(jsonLogLevel(config.LOG_LEVEL));
  const app = await createApiApplication({
    dataSource,
    bus,
    settings: apiSettings(config),
    logger,
    consoleDir: consoleDir(config),
  });
  await app.listen(config.PORT);
  // app.close() stops the incident feed and the HTTP server; then the bus and the pool close.
  return {
    app,
    logger,
    afterClose: async () => {
      await bus.close();
      await dataSource.destroy();
    },
  };
});
