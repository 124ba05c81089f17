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
