import { Kafka, logLevel } from 'kafkajs';

export type StreamStart = { topic: string; partitions: { partition: number; offset: string }[] }[];

/**
 * The topics are shared with other tests and earlier runs, whose history is not ours to replay:
 * a test file pins each correlator group it starts to where the topics ended when the file began.
 */
export async function currentEnds(brokers: string[]): Promise<StreamStart> {
  const admin = new Kafka({ brokers, clientId: 'correlation-it-admin', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const start: StreamStart = [];
    for (const topic of ['damon.alerts', 'damon.lineage']) {
      const offsets = await admin.fetchTopicOffsets(topic);
      start.push({ topic, partitions: offsets.map((o) => ({ partition: o.partition, offset: o.high })) });
    }
    return start;
  } finally {
    await admin.disconnect();
  }
}

export async function pinGroup(brokers: string[], groupId: string, start: StreamStart): Promise<void> {
  const admin = new Kafka({ brokers, clientId: 'correlation-it-admin', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    for (const { topic, partitions } of start) await admin.setOffsets({ groupId, topic, partitions });
  } finally {
    await admin.disconnect();
  }
}
