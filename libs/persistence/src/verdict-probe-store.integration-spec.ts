import { databaseUrlVar, loadConfig } from '@damon/config';
import { type DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createDataSource } from './data-source';
import { createScratchDatabase, type ScratchDatabase } from './scratch-database';
import {
  labelledVectors,
  storeFlaggedVectors,
  verdictCounts,
  type FlaggedVectorRow,
} from './verdict-probe-store';

const { DATABASE_URL } = loadConfig(z.object({ DATABASE_URL: databaseUrlVar({ required: true }) }));

describe('flagged vectors and verdict counts (real PostgreSQL)', () => {
  let scratch: ScratchDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    scratch = await createScratchDatabase(DATABASE_URL, 'damon_test_flagged_vectors');
    dataSource = await createDataSource(scratch.url, { poolSize: 2 }).initialize();
    await dataSource.runMigrations();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await scratch?.drop();
  });

  const row = (alertId: string, layer: string, values: number[], subjectId = 'M1'): FlaggedVectorRow => ({
    alertId,
    subjectKind: 'model',
    subjectId,
    layer,
    itemId: `item-${alertId}`,
    values: Float32Array.from(values),
  });
  const kept = async (subjectId: string, layer: string) =>
    (
      await dataSource.query<Array<{ alert_id: string }>>(
        `SELECT alert_id FROM flagged_vectors WHERE subject_id = $1 AND layer = $2 ORDER BY id`,
        [subjectId, layer],
      )
    ).map((r) => r.alert_id);

  it('keeps at most maxRows and maxBytes per subject and layer, dropping the oldest, and ignores a replayed alert', async () => {
    const caps = { maxRows: 3, maxBytes: 1_000_000 };
    for (const id of ['a1', 'a2', 'a3', 'a4'])
      await dataSource.transaction((m) =>
        storeFlaggedVectors(m, [row(id, 'l0', [1, 2]), row(id, 'l1', [3, 4])], caps),
      );
    expect(await kept('M1', 'l0')).toEqual(['a2', 'a3', 'a4']);
    expect(await kept('M1', 'l1')).toEqual(['a2', 'a3', 'a4']);
    await dataSource.transaction((m) => storeFlaggedVectors(m, [row('a4', 'l0', [9, 9])], caps));
    expect(await kept('M1', 'l0')).toEqual(['a2', 'a3', 'a4']);
    // 3 floats = 12 bytes a row; 30 bytes hold two of them.
    for (const id of ['b1', 'b2', 'b3'])
      await dataSource.transaction((m) =>
        storeFlaggedVectors(m, [row(id, 'l0', [1, 2, 3], 'M2')], { maxRows: 10, maxBytes: 30 }),
      );
    expect(await kept('M2', 'l0')).toEqual(['b2', 'b3']);
    // Another subject's rows are untouched by these caps.
    expect(await kept('M1', 'l0')).toEqual(['a2', 'a3', 'a4']);
    // Many rows in one call go in one statement: kept in order, a repeat inside it ignored, then trimmed.
    await dataSource.transaction((m) =>
      storeFlaggedVectors(
        m,
        ['m1', 'm2', 'm3', 'm3', 'm4'].map((id) => row(id, 'l0', [1, 2], 'M-many')),
        { maxRows: 3, maxBytes: 1_000_000 },
      ),
    );
    expect(await kept('M-many', 'l0')).toEqual(['m2', 'm3', 'm4']);
  });

  it('a rolled-back transaction stores nothing', async () => {
    await expect(
      dataSource.transaction(async (m) => {
        await storeFlaggedVectors(m, [row('r1', 'l0', [1, 2], 'M3')]);
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    expect(await kept('M3', 'l0')).toEqual([]);
  });

  it('labels vectors by their incident’s verdict and counts distinct incidents per class', async () => {
    const rows = ['c1', 'c2', 'c3', 'c4'].map((id, i) => row(id, 'l0', [i, i + 0.5], 'M4'));
    await dataSource.transaction((m) => storeFlaggedVectors(m, rows));
    await dataSource.query(
      `INSERT INTO incident_alerts (alert_id, incident_id) VALUES ('c1', 'I1'), ('c2', 'I1'), ('c3', 'I2'), ('c4', 'I3')`,
    );
    await dataSource.query(
      `INSERT INTO incident_triage (incident_id, verdict) VALUES ('I1', 'deceptive'), ('I2', 'benign'), ('I3', 'inconclusive')`,
    );
    const counts = (await verdictCounts(dataSource.manager)).filter((c) => c.subjectId === 'M4');
    expect(counts).toEqual([
      { subjectKind: 'model', subjectId: 'M4', layer: 'l0', deceptiveIncidents: 1, benignIncidents: 1 },
    ]);
    const labelled = await labelledVectors(dataSource.manager, 'model', 'M4', 'l0');
    expect(labelled.map((l) => [l.incidentId, l.label, Array.from(l.values)])).toEqual([
      ['I1', 1, [0, 0.5]],
      ['I1', 1, [1, 1.5]],
      ['I2', 0, [2, 2.5]],
    ]);
  });
});
