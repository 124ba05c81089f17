import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import type { StageAlert } from '@damon/contracts';
import { normalGenerator } from '@damon/detectors';
import {
  createTestDatabase,
  kafkaBus,
  rows,
  servers,
  SyntheticModel,
  TopicRecorder,
  waitFor,
  type TestDatabase,
} from '@damon/monitor-testing';
import { startServiceProcess, type ServiceProcess } from '@damon/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiApplication } from './api-application';
import { DEFAULT_API_SETTINGS } from './api-settings';
import { ApiKeyService } from './auth/api-key.service';
import { postGraphql, type GraphqlResponse } from './testing/graphql-http';

/*
 * Settings through the API reach a running monitor: apps/representation-monitor runs as its own
 * process (as deployed) on a scratch database and the shared broker; the API runs in process on the
 * same database. Its default alpha (MONITOR_ALPHA) is 0.2; setMonitorSettings lowers it to 0.01 for
 * one model, and the monitor's next alerts on that model carry α = 0.01 and are about 20× fewer.
 */

const RUN = randomBytes(3).toString('hex');
const DIM = 8;
const REFERENCE = 400;
const BATCH = 50;
const CLEAN = 200;
const DEFAULT_ALPHA = 0.2;

const SETTINGS_FIELDS = `stage subject { kind id } alpha referenceSize fusion detectors { name enabled } overrides updatedAt`;
const SET = `mutation ($input: SetMonitorSettingsInput!) { setMonitorSettings(input: $input) { ${SETTINGS_FIELDS} } }`;
const RESET = `mutation ($input: ResetMonitorSettingsInput!) { resetMonitorSettings(input: $input) { ${SETTINGS_FIELDS} } }`;
const GET = `query ($subject: ArtifactRefInput!) { monitorSettings(stage: REPRESENTATIONS, subject: $subject) { ${SETTINGS_FIELDS} } }`;

describe('monitor settings through the API (real Kafka and PostgreSQL, a running representation monitor)', () => {
  const subjectId = `settings-model-${RUN}`;
  const subject = { kind: 'MODEL', id: subjectId };
  const model = new SyntheticModel(DIM, 5);
  const randn = normalGenerator(77);
  const bus = kafkaBus(servers().brokers);
  let db: TestDatabase;
  let monitor: ServiceProcess;
  let app: INestApplication;
  let url: string;
  const keys = { viewer: '', admin: '' };
  let recorder: TopicRecorder<'damon.alerts'>;

  const gql = <T = Record<string, unknown>>(
    query: string,
    variables: Record<string, unknown>,
    key = keys.admin,
  ): Promise<GraphqlResponse<T>> => postGraphql<T>(url, query, variables, key);
  const alertsOf = (prefix: string): StageAlert[] =>
    recorder.of('damon.alerts').filter((a) => String(a.evidence.itemId).startsWith(`${prefix}-`));
  /** Sends CLEAN clean items (and 2 planted ones) as `prefix-…` and waits until the monitor scored them. */
  async function traffic(prefix: string): Promise<StageAlert[]> {
    const planted = new Set([7, 31]);
    const batches = Array.from({ length: CLEAN / BATCH }, (_, b) =>
      model.batch(subjectId, BATCH, randn, {
        prefix: `${prefix}-${b}`,
        anomalous: b === 0 ? planted : new Set(),
      }),
    );
    await bus.publishMany('damon.telemetry.repr', batches);
    await waitFor(
      () =>
        [...planted].every((i) =>
          alertsOf(`${prefix}-0`).some((a) => a.evidence.itemId === `${prefix}-0-${i}`),
        ),
      120_000,
      `the planted items of ${prefix} alerted`,
    );
    // Scores and alerts of one batch leave together; give the last batches' alerts a moment.
    await new Promise((r) => setTimeout(r, 3000));
    return alertsOf(prefix);
  }

  beforeAll(async () => {
    db = await createTestDatabase(servers().databaseUrl);
    monitor = startServiceProcess('apps/representation-monitor/src/main.ts', {
      KAFKA_BROKERS: servers().brokers,
      DATABASE_URL: db.url,
      PORT: '0',
      LOG_LEVEL: 'info',
      MONITOR_GROUP: `settings-repr-${RUN}`,
      MONITOR_FROM_BEGINNING: 'false',
      MONITOR_REFERENCE_SIZE: String(REFERENCE),
      MONITOR_CALIBRATION_FRACTION: '0.5',
      MONITOR_ALPHA: String(DEFAULT_ALPHA),
    });
    app = await createApiApplication({
      dataSource: db.dataSource,
      bus,
      settings: { ...DEFAULT_API_SETTINGS, countCacheMs: 0 },
      logger: false,
    });
    await app.listen(0, '127.0.0.1');
    const port = (app.getHttpServer() as { address(): AddressInfo }).address().port;
    url = `http://127.0.0.1:${port}/graphql`;
    const apiKeys = new ApiKeyService(db.dataSource);
    keys.viewer = (await apiKeys.create('viewer', 'vera')).key;
    keys.admin = (await apiKeys.create('admin', 'ada')).key;
    recorder = new TopicRecorder(bus, ['damon.alerts'], (_t, a) => a.subject.id === subjectId);
    await recorder.start();
    await monitor.waitFor(/"msg":"listening"/, 180_000);
  }, 240_000);

  afterAll(async () => {
    await recorder?.stop();
    await monitor?.stop();
    await app?.close();
    await bus.close();
    await db?.drop();
  });

  it('refuses bad values naming the field, stores nothing and needs admin', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ alpha: 1.5 }, 'input.settings.alpha'],
      [{ alpha: 0 }, 'input.settings.alpha'],
      [{ referenceSize: 2 }, 'input.settings.referenceSize'],
      [{ fusion: 'average' }, 'input.settings.fusion'],
      [{ referenceMode: 'all' }, 'input.settings.referenceMode'],
      [{ windowSize: 1 }, 'input.settings.windowSize'],
      [{ averageRunLength: 5 }, 'input.settings.averageRunLength'],
      [{ detectors: [{ name: '', enabled: false }] }, 'input.settings.detectors.0.name'],
      [{}, 'input.settings'],
    ];
    for (const [settings, field] of cases) {
      const response = await gql(SET, { input: { stage: 'REPRESENTATIONS', subject, settings } });
      expect(response.errors?.[0]?.extensions, JSON.stringify(settings)).toMatchObject({
        code: 'BAD_USER_INPUT',
        field,
      });
    }
    const unknown = await gql(RESET, {
      input: { stage: 'REPRESENTATIONS', subject, fields: ['alpha', 'beta'] },
    });
    expect(unknown.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.fields.1',
    });
    const viewer = await gql(
      SET,
      { input: { stage: 'REPRESENTATIONS', subject, settings: { alpha: 0.1 } } },
      keys.viewer,
    );
    expect(viewer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await rows(db.dataSource, 'SELECT * FROM monitor_settings')).toEqual([]);
    expect(
      await rows(db.dataSource, `SELECT * FROM api_audit_log WHERE target_kind = 'monitor_settings'`),
    ).toEqual([]);
    const read = await gql<{ monitorSettings: Record<string, unknown> }>(GET, { subject });
    expect(read.data?.monitorSettings).toMatchObject({
      alpha: null,
      detectors: [],
      overrides: {},
      updatedAt: null,
    });
  });

  it('a running monitor applies an alpha set through the API from its next batch, and the default again after reset', async () => {
    await bus.publishMany(
      'damon.telemetry.repr',
      Array.from({ length: REFERENCE / BATCH }, () =>
        model.batch(subjectId, BATCH, randn, { trusted: true }),
      ),
    );
    await waitFor(
      async () =>
        (
          await rows<{ phase: string }>(
            db.dataSource,
            'SELECT phase FROM monitor_subjects WHERE subject_id = $1',
            [subjectId],
          )
        )[0]?.phase === 'monitoring',
      120_000,
      'the baseline fitted',
    );

    const before = await traffic('before');
    expect(new Set(before.map((a) => a.alpha))).toEqual(new Set([DEFAULT_ALPHA]));

    const set = await gql<{ setMonitorSettings: Record<string, unknown> }>(SET, {
      input: {
        stage: 'REPRESENTATIONS',
        subject,
        settings: { alpha: 0.01, detectors: [{ name: 'knn', enabled: false }] },
      },
    });
    expect(set.errors).toBeUndefined();
    expect(set.data?.setMonitorSettings).toMatchObject({
      stage: 'REPRESENTATIONS',
      subject: { kind: 'MODEL', id: subjectId },
      alpha: 0.01,
      detectors: [{ name: 'knn', enabled: false }],
      overrides: { alpha: 0.01, detectors: { knn: false } },
    });
    // A second write merges: alpha and the knn switch stay.
    const merged = await gql<{ setMonitorSettings: Record<string, unknown> }>(SET, {
      input: {
        stage: 'REPRESENTATIONS',
        subject,
        settings: { fusion: 'fisher', detectors: [{ name: 'gaussian', enabled: true }] },
      },
    });
    expect(merged.data?.setMonitorSettings.overrides).toEqual({
      alpha: 0.01,
      fusion: 'fisher',
      detectors: { knn: false, gaussian: true },
    });

    const after = await traffic('after');
    expect(new Set(after.map((a) => a.alpha))).toEqual(new Set([0.01]));
    const clean = (alerts: StageAlert[]) =>
      alerts.filter((a) => !/-0-(7|31)$/.test(String(a.evidence.itemId))).length;
    console.log(
      `[settings] clean items alerting: ${clean(before)} of ${CLEAN} at α=${DEFAULT_ALPHA}, ${clean(after)} of ${CLEAN} at α=0.01 (set through the API)`,
    );
    expect(clean(before)).toBeGreaterThan(15); // ≈ 40 expected
    expect(clean(after)).toBeLessThan(clean(before) / 2); // ≈ 2 expected

    const reset = await gql<{ resetMonitorSettings: Record<string, unknown> }>(RESET, {
      input: { stage: 'REPRESENTATIONS', subject, fields: ['alpha', 'detectors.knn'] },
    });
    expect(reset.data?.resetMonitorSettings.overrides).toEqual({
      fusion: 'fisher',
      detectors: { gaussian: true },
    });
    const again = await traffic('reset');
    expect(new Set(again.map((a) => a.alpha))).toEqual(new Set([DEFAULT_ALPHA]));

    const all = await gql<{ resetMonitorSettings: Record<string, unknown> }>(RESET, {
      input: { stage: 'REPRESENTATIONS', subject },
    });
    expect(all.data?.resetMonitorSettings).toMatchObject({
      alpha: null,
      fusion: null,
      overrides: {},
      updatedAt: null,
    });
    expect(await rows(db.dataSource, 'SELECT * FROM monitor_settings')).toEqual([]);

    const audit = await rows<{
      actor: string;
      action: string;
      target_id: string;
      details: Record<string, unknown>;
    }>(
      db.dataSource,
      `SELECT actor, action, target_id, details FROM api_audit_log WHERE target_kind = 'monitor_settings' ORDER BY seq`,
    );
    expect(audit.map((a) => a.action)).toEqual([
      'setMonitorSettings',
      'setMonitorSettings',
      'resetMonitorSettings',
      'resetMonitorSettings',
    ]);
    expect(new Set(audit.map((a) => `${a.actor} ${a.target_id}`))).toEqual(
      new Set([`ada representations/model/${subjectId}`]),
    );
    expect(audit[0].details).toMatchObject({ before: {}, after: { alpha: 0.01, detectors: { knn: false } } });
    expect(audit[2].details).toMatchObject({
      fields: ['alpha', 'detectors.knn'],
      after: { fusion: 'fisher', detectors: { gaussian: true } },
    });
    expect(audit[3].details).toMatchObject({ fields: null, after: {} });
  }, 600_000);
});
