import { randomBytes, randomUUID } from 'node:crypto';
import { encodeVectors, type ActivationBatch, type ScoreBatch, type StageAlert } from '@damon/contracts';
import { normalGenerator } from '@damon/detectors';
import { kafkaBus, TopicRecorder, waitFor } from '@damon/monitor-testing';
import { createDataSource, createScratchDatabase, type ScratchDatabase } from '@damon/persistence';
import { integrationEnv, startServiceProcess, type ServiceProcess } from '@damon/testing';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const RUN = `probe${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const DIM = 8;
const REFERENCE = 400;
const SHIFT = 6;
const PLANTED_BATCHES = 24;
const BATCH = 20;

interface VerdictProbeRow {
  subject: { kind: string; id: string };
  layer: string;
  deceptiveIncidents: number;
  benignIncidents: number;
  cvAuroc: number | null;
  deployed: boolean;
  version: number | null;
}

/**
 * The verdict probe end to end, with the real broker and database and the services as processes: the
 * representation monitor stores flagged items' vectors with its alerts; verdicts set through the API on
 * incidents holding those alerts; the monitor's scheduler fits a probe per layer and deploys it past
 * the AUROC gate; the API shows it; new planted items are scored as `verdict-probe`, and the
 * unsupervised alerts keep coming.
 *
 * Model A: "deceptive" items are pushed along e0, "benign" anomalies along e1 (both flagged by the
 * unsupervised detectors); verdicts follow the direction, so a probe separates them. Model B: every
 * planted item is pushed along e0 and verdicts alternate, so no probe can pass the gate.
 */
describe('verdict probe from verdicts (real Kafka, PostgreSQL, monitor and API processes)', () => {
  const env = integrationEnv();
  const modelA = `${RUN}-A`;
  const modelB = `${RUN}-B`;
  const randn = normalGenerator(7);
  let scratch: ScratchDatabase;
  let dataSource: DataSource;
  let monitor: ServiceProcess;
  let api: ServiceProcess;
  let apiUrl = '';
  let key = '';
  const bus = kafkaBus(env.kafkaBrokers.join(','));
  let recorder: TopicRecorder<'damon.alerts' | 'damon.scores'>;

  const alerts = (model: string, detector: string) =>
    recorder.of('damon.alerts').filter((a) => a.subject.id === model && a.detector === detector);
  const flaggedId = (a: StageAlert) => a.flaggedItems?.ids[0] ?? '';

  function batch(
    model: string,
    kinds: ReadonlyArray<'clean' | 'e0' | 'e1'>,
    prefix: string,
    trusted = false,
  ) {
    const rows = kinds.length;
    const layers = [0, 1].map(() => new Float32Array(rows * DIM));
    kinds.forEach((kind, r) => {
      for (let c = 0; c < DIM; c++) {
        const shift = (kind === 'e0' && c === 0) || (kind === 'e1' && c === 1) ? SHIFT : 0;
        const base = randn();
        layers[0][r * DIM + c] = base + shift;
        layers[1][r * DIM + c] = 0.8 * base + 0.6 * randn() + shift;
      }
    });
    const event: ActivationBatch = {
      eventId: randomUUID(),
      schemaVersion: 1,
      occurredAt: new Date().toISOString(),
      subject: { kind: 'model', id: model },
      batchId: randomUUID(),
      trusted,
      items: kinds.map((kind, i) => ({ itemId: `${prefix}-${kind}-${i}` })),
      layers: layers.map((values, l) => ({
        name: `l${l}`,
        dim: DIM,
        vectors: encodeVectors(values, [rows, DIM]),
      })),
    };
    return event;
  }

  async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const response = await fetch(apiUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: T; errors?: unknown[] };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data!;
  }

  async function apiKey(): Promise<string> {
    const cli = startServiceProcess('apps/api/src/apikey-cli.ts', { DATABASE_URL: scratch.url }, [
      'create',
      '--role',
      'triager',
      '--name',
      'tess',
    ]);
    await new Promise<void>((done, fail) =>
      cli.child.once('close', (code: number | null) =>
        code === 0 ? done() : fail(new Error(`apikey exited ${code}: ${cli.output()}`)),
      ),
    );
    const found = /^(dmn_\S+)$/m.exec(cli.output())?.[1];
    if (!found) throw new Error(`apikey create printed:\n${cli.output()}`);
    return found;
  }

  beforeAll(async () => {
    scratch = await createScratchDatabase(env.databaseUrl, 'damon_test_verdict_probe');
    dataSource = await createDataSource(scratch.url, { poolSize: 2 }).initialize();
    await dataSource.runMigrations();
    await bus.ensureTopics(['damon.telemetry.repr', 'damon.alerts', 'damon.scores']);
    monitor = startServiceProcess('apps/representation-monitor/src/main.ts', {
      KAFKA_BROKERS: env.kafkaBrokers.join(','),
      DATABASE_URL: scratch.url,
      MONITOR_GROUP: `${RUN}-repr`,
      MONITOR_FROM_BEGINNING: 'false',
      MONITOR_REFERENCE_SIZE: String(REFERENCE),
      MONITOR_ALPHA: '0.02',
      MONITOR_WORKERS: '1',
      MONITOR_PROBE_INTERVAL_MS: '1000',
      LOG_LEVEL: 'info',
      PORT: '0',
    });
    api = startServiceProcess('apps/api/src/main.ts', {
      KAFKA_BROKERS: env.kafkaBrokers.join(','),
      DATABASE_URL: scratch.url,
      PORT: '0',
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
    });
    const [, apiPort] = await Promise.all([monitor.waitForListening(180_000), api.waitForListening(180_000)]);
    apiUrl = `http://127.0.0.1:${apiPort}/graphql`;
    key = await apiKey();
    recorder = new TopicRecorder(bus, ['damon.alerts', 'damon.scores'], (_topic, value) =>
      [modelA, modelB].includes((value as { subject: { id: string } }).subject.id),
    );
    await recorder.start();
  });

  afterAll(async () => {
    await recorder?.stop();
    await monitor?.stop();
    await api?.stop();
    await bus.close();
    await dataSource?.destroy();
    await scratch?.drop();
  });

  it('stores flagged vectors, fits and deploys the probe past its AUROC gate, shows it, and scores new items as verdict-probe', async () => {
    try {
      await scenario();
    } catch (error) {
      console.error(
        `--- monitor ---\n${monitor.output().slice(-4000)}\n--- api ---\n${api.output().slice(-2000)}`,
      );
      throw error;
    }
  });

  async function scenario(): Promise<void> {
    const clean = (n: number) => Array.from({ length: n }, () => 'clean' as const);
    for (const model of [modelA, modelB]) {
      const reference = Array.from({ length: REFERENCE / BATCH }, (_, b) =>
        batch(model, clean(BATCH), `ref${b}`, true),
      );
      await bus.publishMany('damon.telemetry.repr', reference);
    }
    // Planted: A gets one e0 and one e1 item per batch, B two e0 items.
    const planted = Array.from({ length: PLANTED_BATCHES }, (_, b) => [
      batch(modelA, ['e0', 'e1', ...clean(BATCH - 2)], `a${b}`),
      batch(modelB, ['e0', 'e0', ...clean(BATCH - 2)], `b${b}`),
    ]).flat();
    await bus.publishMany('damon.telemetry.repr', planted);

    const plantedAlerts = (model: string) =>
      alerts(model, 'fused-layers').filter((a) => /-e[01]-/.test(flaggedId(a)));
    await waitFor(
      () =>
        plantedAlerts(modelA).length >= 2 * PLANTED_BATCHES &&
        plantedAlerts(modelB).length >= 2 * PLANTED_BATCHES,
      180_000,
      'a fused-layers alert for every planted item',
    );

    // Every planted alert kept the flagged item's vector on both layers, in the monitor's transaction.
    const stored: Array<{ alert_id: string; layer: string; dim: number; bytes: number }> =
      await dataSource.query(
        `SELECT alert_id, layer, dim, octet_length(vector) AS bytes FROM flagged_vectors WHERE subject_id = ANY($1)`,
        [[modelA, modelB]],
      );
    for (const a of [...plantedAlerts(modelA), ...plantedAlerts(modelB)]) {
      const rows = stored.filter((s) => s.alert_id === a.alertId);
      expect(rows.map((r) => r.layer).sort()).toEqual(['l0', 'l1']);
      expect(rows.every((r) => r.dim === DIM && Number(r.bytes) === DIM * 4)).toBe(true);
    }

    // One incident per planted alert, as the correlator writes them; verdicts through the API.
    let n = 0;
    for (const model of [modelA, modelB]) {
      for (const a of plantedAlerts(model)) {
        const id = `${RUN}-inc-${n}`;
        await dataSource.query(
          `INSERT INTO incidents (id, status, severity, stages, detector_min_p, alert_count, first_alert_at,
             last_alert_at, created_at, updated_at, version)
           VALUES ($1, 'open', 3, '{representations}', '{}', 1, now(), now(), now(), now(), 1)`,
          [id],
        );
        await dataSource.query(`INSERT INTO incident_alerts (alert_id, incident_id) VALUES ($1, $2)`, [
          a.alertId,
          id,
        ]);
        const deceptive = model === modelA ? /-e0-/.test(flaggedId(a)) : n % 2 === 0;
        await gql(`mutation($id: ID!, $v: Verdict!) { setVerdict(id: $id, verdict: $v) { id } }`, {
          id,
          v: deceptive ? 'DECEPTIVE' : 'BENIGN',
        });
        n += 1;
      }
    }

    const probes = async (model: string) =>
      (
        await gql<{ verdictProbes: VerdictProbeRow[] }>(
          `query($s: ArtifactRefInput) { verdictProbes(subject: $s) {
             subject { kind id } layer deceptiveIncidents benignIncidents cvAuroc deployed version } }`,
          { s: { kind: 'MODEL', id: model } },
        )
      ).verdictProbes;
    await waitFor(
      async () => {
        const [a, b] = [await probes(modelA), await probes(modelB)];
        return [...a, ...b].length === 4 && [...a, ...b].every((p) => p.version !== null);
      },
      120_000,
      'a probe fitted for both layers of both models',
      1000,
    );
    const a = await probes(modelA);
    for (const p of a) {
      expect(p.deceptiveIncidents).toBeGreaterThanOrEqual(20);
      expect(p.benignIncidents).toBeGreaterThanOrEqual(20);
      expect(p.cvAuroc).toBeGreaterThanOrEqual(0.9);
      expect(p.deployed).toBe(true);
    }
    // Random verdicts on one direction: fitted, below the gate, not deployed.
    for (const p of await probes(modelB)) {
      expect(p.cvAuroc).toBeLessThan(0.9);
      expect(p.deployed).toBe(false);
    }

    // New planted items: the e0 ones scored as verdict-probe; the e1 ones not, but still alerted on.
    const fresh = [
      batch(modelA, ['e0', 'e1', 'e0', 'e1', 'e0', 'e1', ...clean(BATCH - 6)], 'new'),
      batch(modelB, ['e0', 'e0', ...clean(BATCH - 2)], 'newb'),
    ];
    await bus.publishMany('damon.telemetry.repr', fresh);
    const newItems = (detector: string, model = modelA) =>
      alerts(model, detector)
        .map(flaggedId)
        // Planted ones only: a clean item the unsupervised detectors flag by chance is scored too.
        .filter((id) => /^new-e[01]-/.test(id))
        .sort();
    await waitFor(
      () => newItems('fused-layers').length >= 6 && newItems('verdict-probe').length >= 3,
      120_000,
      'unsupervised and verdict-probe alerts for the new planted items',
    );
    expect(newItems('verdict-probe')).toEqual(['new-e0-0', 'new-e0-2', 'new-e0-4']);
    expect(newItems('fused-layers')).toEqual(
      expect.arrayContaining(['new-e0-0', 'new-e1-1', 'new-e0-2', 'new-e1-3', 'new-e0-4', 'new-e1-5']),
    );
    // Scores are another topic than alerts: the recorder may see them later, so wait for them too.
    const scoresOf = (model: string, detector: string, prefix: string) =>
      recorder
        .of('damon.scores')
        .filter(
          (s: ScoreBatch) =>
            s.subject.id === model &&
            s.detector === detector &&
            s.items.some((i) => i.itemId.startsWith(prefix)),
        );
    await waitFor(
      () => scoresOf(modelA, 'verdict-probe', 'new-').length >= 2,
      60_000,
      "the verdict-probe scores of A's new batch",
    );
    // Only the new batch, once a layer: nothing before the probe was deployed was scored by it.
    expect(
      scoresOf(modelA, 'verdict-probe', '')
        .map((s) => s.layer)
        .sort(),
    ).toEqual(['l0', 'l1']);
    // Model B has no deployed probe: its batches are never scored as verdict-probe.
    await waitFor(
      () =>
        alerts(modelB, 'fused-layers').some((x) => flaggedId(x).startsWith('newb-')) &&
        scoresOf(modelB, 'fused-layers', 'newb-').length > 0,
      60_000,
      'B scored',
    );
    expect(
      recorder.of('damon.scores').some((s) => s.subject.id === modelB && s.detector === 'verdict-probe'),
    ).toBe(false);
  }
});
