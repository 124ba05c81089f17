// Exits 0 once the broker on 127.0.0.1:$KAFKA_PORT serves cluster metadata, consumer-group requests
// and producer ids to kafkajs (the client the platform uses), 1 otherwise. infra/kafka/start calls it in a
// loop after the port opened.
const { Kafka, logLevel } = require('kafkajs');

const broker = `127.0.0.1:${process.env.KAFKA_PORT || '9092'}`;
const kafka = new Kafka({
  clientId: 'damon-ready-check',
  brokers: [broker],
  logLevel: logLevel.NOTHING,
  connectionTimeout: 2000,
  requestTimeout: 5000,
  retry: { retries: 0 },
});
const admin = kafka.admin();
// Idempotent, as the bus's producer is: connecting asks the broker for a producer id (InitProducerId),
// which a broker fresh from its start refused now and then, logged as an error by the first producer
// of a test that counts errors. kafkajs wants an idempotent producer to retry (the client's retries
// are off here); the loop in infra/kafka/start calls this again anyway.
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 1 } });

(async () => {
  await admin.connect();
  const cluster = await admin.describeCluster();
  if (cluster.brokers.length === 0) throw new Error('no brokers in metadata');
  await admin.listTopics();
  // Consumer groups need the group coordinator, whose __consumer_offsets topic a fresh broker
  // creates and loads on first use: wait for that here rather than in the first test.
  await admin.describeGroups(['damon-ready-check']);
  await admin.fetchOffsets({ groupId: 'damon-ready-check', topics: [] });
  await producer.connect();
})().then(
  () => Promise.all([admin.disconnect(), producer.disconnect()]).then(() => process.exit(0)),
  (error) => {
    console.error(`[kafka] not ready yet: ${error.message}`);
    return Promise.allSettled([admin.disconnect(), producer.disconnect()]).finally(() => process.exit(1));
  },
);
