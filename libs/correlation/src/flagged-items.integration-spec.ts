import { randomBytes } from 'node:crypto';
import { KafkaBus, SILENT_LOGGER } from '@damon/bus';
import { databaseUrlVar, kafkaBrokersVar, loadConfig } from '@damon/config';
import type { StageAlert } from '@damon/contracts';
import { createDataSource, createScratchDatabase, type ScratchDatabase } from '@damon/persistence';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CorrelationEngine } from './correlation-engine';
import { CorrelationStore } from './correlation-store';
import { CorrelationService } from './correlation.service';
import { IncidentOutboxPublisher } from './incident-outbox.publisher';

const env = loadConfig(
  z.object({
    DATABASE_URL: databaseUrlVar({ required: true }),
    KAFKA_BROKERS: kafkaBrokersVar({ required: true }),
  }),
);
const RUN = `fl${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

describe('flagged items stay findable in the correlator (real PostgreSQL)', () => {
  let scratch: ScratchDatabase;
  let dataSource: DataSource;
  let bus: KafkaBus;

  beforeAll(async () => {
    scratch = await createScratchDatabase(env.DATABASE_URL, 'damon_test_flagged');
    dataSource = await createDataSource(scratch.url, { poolSize: 4 }).initialize();
    await dataSource.runMigrations();
    bus = new KafkaBus({ brokers: env.KAFKA_BROKERS, clientId: `flagged-it-${RUN}`, logger: SILENT_LOGGER });
  });

  afterAll(async () => {
    await bus?.close();
    await dataSource?.destroy();
    await scratch?.drop();
  });

  it('keeps every alert’s flagged ids, duplicates of one fingerprint included, with counts', async () => {
    const settings = { hops: 3, windowMs: 3_600_000, groupWaitMs: 0, group: `flagged-${RUN}` };
    const service = new CorrelationService(
      dataSource,
      settings,
      { now: () => new Date() },
      new IncidentOutboxPublisher(dataSource, bus),
      new CorrelationEngine(settings),
      new CorrelationStore(),
    );
    const window = { from: '2026-12-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' };
    // One model, one detector, one window: 40 per-item alerts share the fingerprint.
    const alerts: StageAlert[] = Array.from({ length: 40 }, (_, i) => ({
      eventId: `${RUN}-a${i}`,
      alertId: `${RUN}-a${i}`,
      schemaVersion: 1,
      occurredAt: window.to,
      subject: { kind: 'model', id: `${RUN}-m` },
      stage: 'representations',
      detector: 'fused-layers',
      score: 10 + i,
      pValue: 0.001,
      alpha: 0.01,
      evidence: { itemId: `item-${i}` },
      window,
      inputEventIds: [`${RUN}-in`],
      flaggedItems: { ids: [`item-${i}`], count: 1 },
    }));
    alerts.push({
      ...alerts[0],
      eventId: `${RUN}-legacy`,
      alertId: `${RUN}-legacy`,
      detector: 'gaussian',
      flaggedItems: undefined,
    });
    await service.handleBatch(alerts.map((value) => ({ topic: 'damon.alerts' as const, value })));
    const rows = await dataSource.query<
      { status: string; flagged_item_ids: string[] | null; flagged_item_count: number | null }[]
    >(
      `SELECT status, flagged_item_ids, flagged_item_count FROM alerts WHERE subject_id = $1 ORDER BY alert_id`,
      [`${RUN}-m`],
    );
    expect(rows).toHaveLength(41);
    expect(rows.filter((r) => r.status === 'duplicate').length).toBeGreaterThan(0);
    const ids = new Set(rows.flatMap((r) => r.flagged_item_ids ?? []));
    expect(ids.size).toBe(40);
    expect(rows.filter((r) => r.flagged_item_ids === null && r.flagged_item_count === null)).toHaveLength(1);
  });
});
