import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { KafkaBus } from '@damon/bus';
import { createDataSource, createScratchDatabase, type ScratchDatabase } from '@damon/persistence';
import { integrationEnv } from '@damon/testing';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiApplication } from './api-application';
import { DEFAULT_API_SETTINGS } from './api-settings';
import { ApiKeyService } from './auth/api-key.service';
import { postGraphql } from './testing/graphql-http';
import { seedIncidents } from './testing/seed-incidents';

const RUN = randomBytes(3).toString('hex');
const at = (minutes: number) => new Date(Date.parse('2026-03-01T00:00:00Z') + minutes * 60_000);

describe('flagged items and subject status over GraphQL (real PostgreSQL)', () => {
  let scratch: ScratchDatabase;
  let dataSource: DataSource;
  let bus: KafkaBus;
  let app: INestApplication;
  let url: string;
  let key: string;
  const gql = <T>(query: string, variables: Record<string, unknown> = {}) =>
    postGraphql<T>(url, query, variables, key);

  beforeAll(async () => {
    const env = integrationEnv();
    scratch = await createScratchDatabase(env.databaseUrl, 'api_status_test');
    dataSource = await createDataSource(scratch.url, { poolSize: 4 }).initialize();
    await dataSource.runMigrations();
    bus = new KafkaBus({ brokers: env.kafkaBrokers, clientId: `api-status-${RUN}` });
    app = await createApiApplication({ dataSource, bus, settings: DEFAULT_API_SETTINGS, logger: false });
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer() as { address(): AddressInfo }).address().port}/graphql`;
    key = (await new ApiKeyService(dataSource).create('viewer', 'vera')).key;
    const d = { kind: 'dataset' as const, id: 'D1' };
    const m = { kind: 'model' as const, id: 'M1' };
    await seedIncidents(dataSource, [
      {
        id: 'INC-1',
        status: 'open',
        severity: 3,
        createdAt: at(10),
        alerts: [
          { id: 'd1', stage: 'data', detector: 'sample-outliers', subject: d, pValue: 0.001, at: at(1) },
          {
            id: 'r1',
            stage: 'representations',
            detector: 'fused-layers',
            subject: m,
            pValue: 0.001,
            at: at(2),
          },
          {
            id: 'r2',
            stage: 'representations',
            detector: 'fused-layers',
            subject: m,
            pValue: 0.002,
            at: at(3),
          },
        ],
      },
    ]);
    const flag = (id: string, ids: string[], count: number) =>
      dataSource.query(
        `UPDATE alerts SET flagged_item_ids = $2::jsonb, flagged_item_count = $3 WHERE alert_id = $1`,
        [id, JSON.stringify(ids), count],
      );
    await flag('d1', ['s1', 's2', 's3'], 10);
    await flag('r1', ['x1'], 1);
    await flag('r2', ['x2'], 1);
    // A subject that never fits: learning, 120 of 1000 reference items.
    await dataSource.query(
      `INSERT INTO monitor_subjects (stage, subject_kind, subject_id, phase, reference_items, stream_state)
       VALUES ('data', 'dataset', 'D-learning', 'learning', 120, '{"referenceTarget": 1000}'::jsonb),
              ('data', 'dataset', 'D1', 'monitoring', 0, '{"referenceTarget": 1000}'::jsonb)`,
    );
    await dataSource.query(
      `UPDATE monitor_subjects SET baseline_version = 1, fit_count = 1, fitted_at = now() WHERE subject_id = 'D1'`,
    );
    const baseline = (detector: string, state: unknown, version = 1) =>
      dataSource.query(
        `INSERT INTO detector_baselines (subject_kind, subject_id, stage, detector, format_version, state, fitted_at)
         VALUES ('dataset', 'D1', 'data', $1, 1, $2::jsonb, now())`,
        [detector, JSON.stringify({ baselineVersion: version, detector: state })],
      );
    await baseline('mmd', {});
    await baseline('sample-knn', {});
    await baseline('_baseline', {});
    await baseline('_status', { unavailable: { 'feature-ks': 'no feature with 8 values in the reference' } });
  });

  afterAll(async () => {
    await app?.close();
    await bus?.close();
    await dataSource?.destroy();
    await scratch?.drop();
  });

  it('lists flagged items per subject and counts them per stage on the incident', async () => {
    const items = await gql<{ flaggedItems: { itemId: string; alertId: string }[] }>(
      `{ flaggedItems(subject: { kind: DATASET, id: "D1" }) { itemId alertId stage detector } }`,
    );
    expect(items.errors).toBeUndefined();
    expect(items.data!.flaggedItems.map((i) => i.itemId)).toEqual(['s1', 's2', 's3']);
    const incident = await gql<{
      incident: {
        flaggedItemCounts: { stage: string; listed: number; notListed: number }[];
        alerts: unknown;
      };
    }>(`{ incident(id: "INC-1") { flaggedItemCounts { stage listed notListed } } }`);
    expect(incident.errors).toBeUndefined();
    expect(incident.data!.incident.flaggedItemCounts).toEqual([
      { stage: 'DATA', listed: 3, notListed: 7 },
      { stage: 'REPRESENTATIONS', listed: 2, notListed: 0 },
    ]);
    const alerts = await gql<{
      alerts: { edges: { node: { alertId: string; flaggedItemIds: string[]; flaggedItemCount: number } }[] };
    }>(`{ alerts(first: 10) { edges { node { alertId flaggedItemIds flaggedItemCount } } } }`);
    expect(alerts.data!.alerts.edges.find((e) => e.node.alertId === 'd1')!.node).toEqual({
      alertId: 'd1',
      flaggedItemIds: ['s1', 's2', 's3'],
      flaggedItemCount: 10,
    });
  });

  it('shows each subject’s lifecycle: learning n of N, fitted with the detectors running and those that cannot', async () => {
    const response = await gql<{
      subjectStatus: {
        subject: { id: string };
        phase: string;
        referenceItems: number;
        referenceTarget: number;
        detectors: string[];
        unavailable: { detector: string; reason: string }[];
      }[];
    }>(
      `{ subjectStatus { subject { id } phase referenceItems referenceTarget detectors unavailable { detector reason } } }`,
    );
    expect(response.errors).toBeUndefined();
    const by = new Map(response.data!.subjectStatus.map((s) => [s.subject.id, s]));
    expect(by.get('D-learning')).toMatchObject({
      phase: 'learning',
      referenceItems: 120,
      referenceTarget: 1000,
      detectors: [],
      unavailable: [],
    });
    expect(by.get('D1')).toMatchObject({
      phase: 'monitoring',
      detectors: ['mmd', 'sample-knn'],
      unavailable: [{ detector: 'feature-ks', reason: 'no feature with 8 values in the reference' }],
    });
  });

  it('counts flagged items for a list of incidents with one query, each incident its own', async () => {
    const d9 = { kind: 'dataset' as const, id: 'D9' };
    await seedIncidents(
      dataSource,
      ['INC-2', 'INC-3', 'INC-4'].map((id, i) => ({
        id,
        status: 'open' as const,
        severity: 2,
        createdAt: at(20 + i),
        alerts: [
          { id: `x${i}`, stage: 'data' as const, detector: 'mmd', subject: d9, pValue: 0.01, at: at(15 + i) },
        ],
      })),
    );
    await dataSource.query(
      `UPDATE alerts SET flagged_item_ids = '["s2", "s9"]'::jsonb, flagged_item_count = 5 WHERE alert_id = 'x0'`,
    );
    const original = dataSource.query.bind(dataSource);
    const sql: string[] = [];
    dataSource.query = ((...args: Parameters<DataSource['query']>) => {
      sql.push(args[0]);
      return original(...args);
    }) as DataSource['query'];
    let response;
    try {
      response = await gql<{
        incidents: {
          edges: {
            node: { id: string; flaggedItemCounts: { stage: string; listed: number; notListed: number }[] };
          }[];
        };
      }>(`{ incidents(first: 10) { edges { node { id flaggedItemCounts { stage listed notListed } } } } }`);
    } finally {
      dataSource.query = original;
    }
    expect(response.errors).toBeUndefined();
    const counts = Object.fromEntries(
      response.data!.incidents.edges.map((e) => [e.node.id, e.node.flaggedItemCounts]),
    );
    expect(counts).toEqual({
      'INC-1': [
        { stage: 'DATA', listed: 3, notListed: 7 },
        { stage: 'REPRESENTATIONS', listed: 2, notListed: 0 },
      ],
      'INC-2': [{ stage: 'DATA', listed: 2, notListed: 3 }],
      'INC-3': [],
      'INC-4': [],
    });
    // Before the DataLoader: one query per incident of the list (4 here).
    expect(sql.filter((q) => q.includes('flagged_item_ids'))).toHaveLength(1);
  });
});
