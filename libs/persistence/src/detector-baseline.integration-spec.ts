import { databaseUrlVar, loadConfig } from '@damon/config';
import { type DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createDataSource } from './data-source';
import { DetectorBaseline } from './entities';
import { createScratchDatabase, type ScratchDatabase } from './scratch-database';

const { DATABASE_URL } = loadConfig(z.object({ DATABASE_URL: databaseUrlVar({ required: true }) }));

describe('DetectorBaseline (real PostgreSQL)', () => {
  let scratch: ScratchDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    scratch = await createScratchDatabase(DATABASE_URL, 'damon_test_baselines');
    dataSource = await createDataSource(scratch.url, { poolSize: 2 }).initialize();
    await dataSource.runMigrations();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await scratch?.drop();
  });

  const baseline = (overrides: Partial<DetectorBaseline> = {}) =>
    dataSource.getRepository(DetectorBaseline).create({
      subjectKind: 'model',
      subjectId: 'gpt-x',
      stage: 'representations',
      detector: 'mahalanobis:layer-12',
      formatVersion: 1,
      state: { mean: [0.5, -1.25], shrinkage: 0.1, calibration: { n: 200 } },
      fittedAt: new Date('2026-01-02T03:04:05.678Z'),
      ...overrides,
    });

  it('round-trips the fitted state as jsonb with a generated id', async () => {
    const saved = await dataSource.getRepository(DetectorBaseline).save(baseline());
    expect(saved.id).toMatch(/^[0-9a-f-]{36}$/);
    const loaded = await dataSource.getRepository(DetectorBaseline).findOneByOrFail({ id: saved.id });
    expect(loaded.state).toEqual({ mean: [0.5, -1.25], shrinkage: 0.1, calibration: { n: 200 } });
    expect(loaded.fittedAt.toISOString()).toBe('2026-01-02T03:04:05.678Z');
    expect(loaded.formatVersion).toBe(1);
  });

  it('keeps one row per subject, stage and detector, and only known stages', async () => {
    await expect(dataSource.getRepository(DetectorBaseline).save(baseline())).rejects.toThrow(
      /uq_detector_baselines_subject_stage_detector/,
    );
    await dataSource.getRepository(DetectorBaseline).save(baseline({ stage: 'data' }));
    await expect(
      dataSource
        .getRepository(DetectorBaseline)
        .insert(baseline({ stage: 'bogus' as DetectorBaseline['stage'] })),
    ).rejects.toThrow(/ck_detector_baselines_stage/);
  });

  it('replaces the state of an existing baseline by upsert on subject, stage and detector', async () => {
    const repository = dataSource.getRepository(DetectorBaseline);
    const key = { subjectKind: 'dataset', subjectId: 'web-crawl', stage: 'data', detector: 'mmd' } as const;
    await repository.upsert(baseline({ ...key, state: { fitted: 1 } }), [
      'subjectKind',
      'subjectId',
      'stage',
      'detector',
    ]);
    await repository.upsert(baseline({ ...key, state: { fitted: 2 }, formatVersion: 2 }), [
      'subjectKind',
      'subjectId',
      'stage',
      'detector',
    ]);
    const rows = await repository.findBy(key);
    expect(rows.map((r) => [r.state, r.formatVersion])).toEqual([[{ fitted: 2 }, 2]]);
  });
});
