// Exits 0 once the broker on 127.0.0.1:$KAFKA_PORT serves cluster metadata and consumer-group
// requests to kafkajs (the client the platform uses), 1 otherwise. infra/kafka/start calls it in a
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

(async () => {
  await admin.connect();
  const cluster = await admin.describeCluster();
  if (cluster.brokers.length === 0) throw new Error('no brokers in metadata');
  await admin.listTopics();
  // Consumer groups need the group coordinator, whose __consumer_offsets topic a fresh broker
  // creates and loads on first use: wait for that here rather than in the first test.
  await admin.describeGroups(['damon-ready-check']);
  await admin.fetchOffsets({ groupId: 'damon-ready-check', topics: [] });
})().then(
  () => admin.disconnect().then(() => process.exit(0)),
  (error) => {
    console.error(`[kafka] not ready yet: ${error.message}`);
    return admin.disconnect().finally(() => process.exit(1));
  },
);
