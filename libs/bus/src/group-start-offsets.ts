import type { Admin, Kafka } from 'kafkajs';

const FETCH_WAIT_MS = 100;
const GIVE_UP_MS = 15_000;

/**
 * Commits, for the partitions a consumer group has never committed, the current end offsets, so
 * the group's members start there ("from the end as of subscribe()"). kafkajs's own
 * `admin.setOffsets` does the same through a throw-away consumer, but with a 5 s fetch wait; this
 * one waits 100 ms. Skips groups that have running members (their offsets are theirs to move).
 * Returns false when it could not do it.
 */
export async function commitGroupStartOffsets(
  kafka: Kafka,
  admin: Admin,
  groupId: string,
  topics: readonly string[],
): Promise<boolean> {
  const fresh = await uncommittedPartitions(admin, groupId, topics);
  if (fresh.length === 0) return true;
  const { groups } = await retryRetriable(() => admin.describeGroups([groupId]));
  const state = groups[0]?.state ?? 'Dead';
  if (state !== 'Empty' && state !== 'Dead') return false;

  const targets: { topic: string; partition: number; offset: string }[] = [];
  for (const topic of new Set(fresh.map((f) => f.topic))) {
    const ends = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, o.high]));
    for (const f of fresh.filter((x) => x.topic === topic))
      targets.push({ ...f, offset: ends.get(f.partition) ?? '0' });
  }

  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: FETCH_WAIT_MS, allowAutoTopicCreation: false });
  let fetches = 0;
  consumer.on(consumer.events.FETCH, () => (fetches += 1));
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    // With auto-commit on, kafkajs commits a seek when it applies it, before the next fetch.
    await consumer.run({ autoCommit: true, eachBatchAutoResolve: false, eachBatch: () => Promise.resolve() });
    consumer.pause(topics.map((topic) => ({ topic })));
    for (const { topic, partition, offset } of targets) consumer.seek({ topic, partition, offset });
    const deadline = Date.now() + GIVE_UP_MS;
    let checked = 0;
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (fetches === checked) continue;
      checked = fetches;
      if ((await uncommittedPartitions(admin, groupId, topics)).length === 0) return true;
    }
    return false;
  } finally {
    await consumer.disconnect();
  }
}

async function uncommittedPartitions(
  admin: Admin,
  groupId: string,
  topics: readonly string[],
): Promise<{ topic: string; partition: number }[]> {
  const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
  return committed.flatMap(({ topic, partitions }) =>
    partitions.filter((p) => p.offset === '-1').map((p) => ({ topic, partition: p.partition })),
  );
}

/**
 * kafkajs's admin does not retry group-coordinator errors ("coordinator is loading", "not the
 * correct coordinator"), which a fresh broker returns while it creates __consumer_offsets.
 */
async function retryRetriable<R>(call: () => Promise<R>, giveUpMs = GIVE_UP_MS): Promise<R> {
  const deadline = Date.now() + giveUpMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1_000)) {
    try {
      return await call();
    } catch (error) {
      const retriable =
        error instanceof Error && (error as Error & { retriable?: boolean }).retriable === true;
      if (!retriable || Date.now() + delay > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
