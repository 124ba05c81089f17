import { databaseUrlVar, loadConfig } from '@damon/config';
import { type DataSource, type QueryRunner } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createDataSource } from './data-source';
import { ProcessedEvent } from './entities';
import { recordProcessedMany, recordProcessedOnce } from './processed-events';
import { createScratchDatabase, type ScratchDatabase } from './scratch-database';

const { DATABASE_URL } = loadConfig(z.object({ DATABASE_URL: databaseUrlVar({ required: true }) }));

describe('recordProcessedOnce (real PostgreSQL)', () => {
  let scratch: ScratchDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    scratch = await createScratchDatabase(DATABASE_URL, 'damon_test_processed');
    dataSource = await createDataSource(scratch.url, { poolSize: 10 }).initialize();
    await dataSource.runMigrations();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await scratch?.drop();
  });

  async function openTransaction(): Promise<QueryRunner> {
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    return runner;
  }

  /** Waits until some session of the scratch database is blocked on a lock held by another one. */
  async function untilOneSessionWaitsOnALock(): Promise<void> {
    for (let attempt = 0; attempt < 200; attempt++) {
      const [row] = await dataSource.query<Array<{ waiting: number }>>(
        `SELECT count(*)::int AS waiting FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      if (row.waiting > 0) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('no session ever waited on a lock');
  }

  it('is true the first time and false after, per consumer group', async () => {
    const manager = dataSource.manager;
    expect(await recordProcessedOnce(manager, 'group-a', 'event-1')).toBe(true);
    expect(await recordProcessedOnce(manager, 'group-a', 'event-1')).toBe(false);
    expect(await recordProcessedOnce(manager, 'group-b', 'event-1')).toBe(true);
    const rows = await dataSource.getRepository(ProcessedEvent).find({ where: { eventId: 'event-1' } });
    expect(rows.map((r) => r.consumerGroup).sort()).toEqual(['group-a', 'group-b']);
    expect(rows[0].processedAt).toBeInstanceOf(Date);
  });

  it('forgets the id when the transaction carrying the effect rolls back', async () => {
    await expect(
      dataSource.transaction(async (manager) => {
        expect(await recordProcessedOnce(manager, 'group-a', 'event-rolled-back')).toBe(true);
        throw new Error('effect failed');
      }),
    ).rejects.toThrow('effect failed');
    expect(await recordProcessedOnce(dataSource.manager, 'group-a', 'event-rolled-back')).toBe(true);
  });

  it('lets exactly one of two racing transactions through: the second waits, then sees the commit', async () => {
    const first = await openTransaction();
    const second = await openTransaction();
    try {
      expect(await recordProcessedOnce(first.manager, 'race', 'event-commit')).toBe(true);
      const secondResult = recordProcessedOnce(second.manager, 'race', 'event-commit');
      await untilOneSessionWaitsOnALock();
      await first.commitTransaction();
      expect(await secondResult).toBe(false);
      await second.commitTransaction();
    } finally {
      await first.release();
      await second.release();
    }
  });

  it('lets the waiting transaction through when the first one rolls back', async () => {
    const first = await openTransaction();
    const second = await openTransaction();
    try {
      expect(await recordProcessedOnce(first.manager, 'race', 'event-rollback')).toBe(true);
      const secondResult = recordProcessedOnce(second.manager, 'race', 'event-rollback');
      await untilOneSessionWaitsOnALock();
      await first.rollbackTransaction();
      expect(await secondResult).toBe(true);
      await second.commitTransaction();
    } finally {
      await first.release();
      await second.release();
    }
  });

  it('returns true exactly once among many concurrent transactions on one id', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        dataSource.transaction((manager) => recordProcessedOnce(manager, 'crowd', 'event-crowd')),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await dataSource.getRepository(ProcessedEvent).countBy({ consumerGroup: 'crowd' })).toBe(1);
  });

  it('records many ids in one statement: only the new ones come back, a repeated id once', async () => {
    expect(await recordProcessedOnce(dataSource.manager, 'many', 'event-m2')).toBe(true);
    const first = await recordProcessedMany(dataSource.manager, 'many', [
      'event-m1',
      'event-m2',
      'event-m3',
      'event-m1',
    ]);
    expect([...first].sort()).toEqual(['event-m1', 'event-m3']);
    expect(await recordProcessedMany(dataSource.manager, 'many', ['event-m3', 'event-m4'])).toEqual(
      new Set(['event-m4']),
    );
    expect(await recordProcessedMany(dataSource.manager, 'many', [])).toEqual(new Set());
    expect(await dataSource.getRepository(ProcessedEvent).countBy({ consumerGroup: 'many' })).toBe(4);
  });

  it('rolls the many ids back with the transaction that carries their effect', async () => {
    await expect(
      dataSource.transaction(async (manager) => {
        expect((await recordProcessedMany(manager, 'many-rb', ['a', 'b'])).size).toBe(2);
        throw new Error('effect failed');
      }),
    ).rejects.toThrow('effect failed');
    expect((await recordProcessedMany(dataSource.manager, 'many-rb', ['a', 'b'])).size).toBe(2);
  });
});
