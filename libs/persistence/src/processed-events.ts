import { type EntityManager } from 'typeorm';

/**
 * Records that `group` has processed `eventId`; true when this is the first time, false when the
 * event was already recorded (a redelivery: skip its effect).
 *
 * Call it with the manager of the transaction that applies the event's effect: the id and the effect
 * then commit or roll back together. When two transactions race on one id, the second insert waits
 * on the first one's uncommitted row and returns false once it commits (true if it rolls back).
 */
export async function recordProcessedOnce(
  manager: EntityManager,
  group: string,
  eventId: string,
): Promise<boolean> {
  const inserted: unknown[] = await manager.query(
    'INSERT INTO processed_events (consumer_group, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING event_id',
    [group, eventId],
  );
  return inserted.length === 1;
}

/**
 * recordProcessedOnce for many ids in one statement (one round trip per batch instead of one per
 * event): the ids recorded now, i.e. those `group` had not processed before. An id given twice
 * counts once. Same transaction rules as recordProcessedOnce; the ids are inserted in sorted order,
 * so two transactions over overlapping ids wait on each other rather than deadlock.
 */
export async function recordProcessedMany(
  manager: EntityManager,
  group: string,
  eventIds: readonly string[],
): Promise<Set<string>> {
  const ids = [...new Set(eventIds)].sort();
  if (ids.length === 0) return new Set();
  const inserted: { event_id: string }[] = await manager.query(
    `INSERT INTO processed_events (consumer_group, event_id)
       SELECT $1, id FROM unnest($2::text[]) AS t(id) ORDER BY id
     ON CONFLICT DO NOTHING RETURNING event_id`,
    [group, ids],
  );
  return new Set(inserted.map((row) => row.event_id));
}
