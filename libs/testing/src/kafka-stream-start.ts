import { Kafka, logLevel } from 'kafkajs';

export type StreamStart = { topic: string; partitions: { partition: number; offset: string }[] }[];

/** The correlator's input topics, the ones its test groups are usually pinned on. */
const CORRELATOR_INPUTS = ['damon.alerts', 'damon.lineage'];

function admin(brokers: string[]) {
  return new Kafka({ brokers, clientId: 'test-offsets-admin', logLevel: logLevel.NOTHING }).admin();
}

/**
 * The topics are shared with other tests and earlier runs, whose history is not ours to replay:
 * a test takes where each topic ends now, and pins the consumer groups it starts there.
 */
export async function currentEnds(
  brokers: string[],
  topics: readonly string[] = CORRELATOR_INPUTS,
): Promise<StreamStart> {
  const client = admin(brokers);
  await client.connect();
  try {
    const start: StreamStart = [];
    for (const topic of topics) {
      const offsets = await client.fetchTopicOffsets(topic);
      start.push({ topic, partitions: offsets.map((o) => ({ partition: o.partition, offset: o.high })) });
    }
    return start;
  } finally {
    await client.disconnect();
  }
}

/** Commits `start` as `groupId`'s offsets, so the group's first consumer begins there. */
export async function pinGroup(brokers: string[], groupId: string, start: StreamStart): Promise<void> {
  const client = admin(brokers);
  await client.connect();
  try {
    for (const { topic, partitions } of start) await client.setOffsets({ groupId, topic, partitions });
  } finally {
    await client.disconnect();
  }
}

/** A group that starts at the current end of `topics`: "the stream" is what the test publishes next. */
export async function pinGroupAtEnds(
  brokers: string[],
  groupId: string,
  topics: readonly string[] = CORRELATOR_INPUTS,
): Promise<void> {
  await pinGroup(brokers, groupId, await currentEnds(brokers, topics));
}
