import { integrationEnv } from '@damon/testing';
import { describeBusConformance } from './bus-conformance';
import { SILENT_LOGGER } from './delivery-pipeline';
import { KafkaBus } from './kafka-bus';

// The integration global setup starts infra/kafka unless KAFKA_BROKERS is set.
const brokers = (): string => integrationEnv().kafkaBrokers.join(',');

describeBusConformance(
  'KafkaBus',
  () =>
    new KafkaBus({
      brokers: brokers(),
      clientId: 'bus-conformance',
      logger: SILENT_LOGGER,
      // Short group timings so joins and rebalances take about a second, not ten.
      consumer: {
        sessionTimeout: 6_000,
        rebalanceTimeout: 3_000,
        heartbeatInterval: 300,
        maxWaitTimeInMs: 200,
      },
    }),
  { waitMs: 20_000 },
);
