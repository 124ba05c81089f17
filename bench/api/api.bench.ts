/**
 * npm run bench:api
 *
 * Seeds a scratch database with BENCH_INCIDENTS incidents and BENCH_ALERTS alerts (INSERT … SELECT
 * generate_series), starts the real API app on port 0 and measures, over HTTP and one request at a
 * time, the latency of incident list pages (filters, orderings, cursors, totalCount) and of the
 * incident detail view; then BENCH_CLIENTS (20) concurrent clients share BENCH_CONCURRENT_REQUESTS (2,000)
 * requests of the queue's list page. Uses DATABASE_URL when set, else starts PostgreSQL through infra/;
 * KAFKA_BROKERS when set, else the in-process bus. Last line:
 * `api: incidents_p95_ms=<n> incident_detail_p95_ms=<n> list_c20_p95_ms=<n> list_c20_rps=<n> list_c20_rps_vs_bare_http=<r> list_c20_cpu_ms_per_req=<n>`,
 * the last a same-process reference ratio: the same clients against a bare node:http server answering
 * the API's own response body (so a busy shared machine shows in both), and the API thread's CPU
 * time per concurrent request.
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import { ApiKeyService, createApiApplication, DEFAULT_API_SETTINGS } from '@damon/api';
import { createBus } from '@damon/bus';
import { databaseUrlVar, integerVar, kafkaBrokersVar, loadConfig } from '@damon/config';
import { createDataSource, createScratchDatabase } from '@damon/persistence';
import { ensurePostgres } from '@damon/testing';
import { z } from 'zod';

const config = loadConfig(
  z.object({
    DATABASE_URL: databaseUrlVar(),
    KAFKA_BROKERS: kafkaBrokersVar(),
    // `npm run bench:api` sets production unless NODE_ENV is set, as infra/deploy/Dockerfile does: the
    // API as deployed (graphql-js then leaves out its development-only checks, ~3% of a list request).
    NODE_ENV: z.string().optional(),
    BENCH_INCIDENTS: integerVar({ min: 1_000, max: 10_000_000, default: 100_000 }),
    BENCH_ALERTS: integerVar({ min: 1_000, max: 100_000_000, default: 1_000_000 }),
    BENCH_REQUESTS: integerVar({ min: 10, max: 100_000, default: 300 }),
    BENCH_CLIENTS: integerVar({ min: 1, max: 500, default: 20 }),
    BENCH_CONCURRENT_REQUESTS: integerVar({ min: 10, max: 1_000_000, default: 2_000 }),
  }),
);

const SUBJECTS = 10_000;
const DETECTORS = 20;

async function seed(
  run: (sql: string) => Promise<unknown>,
  incidents: number,
  alerts: number,
): Promise<void> {
  const perIncident = Math.max(1, Math.floor(alerts / incidents));
  // Incident g: created at T0 + g minutes (+ sub-second jitter: distinct microseconds), one model
  // subject M(g mod SUBJECTS), `perIncident` alerts from two detectors, one or two stages.
  await run(`INSERT INTO artifacts (kind, id) SELECT 'model', 'M' || g FROM generate_series(0, ${SUBJECTS - 1}) g
             UNION ALL SELECT 'dataset', 'D' || g FROM generate_series(0, ${SUBJECTS - 1}) g`);
  await run(`INSERT INTO lineage_edges (from_kind, from_id, to_kind, to_id, relation, event_id, occurred_at)
             SELECT 'model', 'M' || g, 'dataset', 'D' || g, 'generated', 'edge-' || g, now() FROM generate_series(0, ${SUBJECTS - 1}) g
             UNION ALL SELECT 'model', 'M' || g, 'model', 'M' || ((g + 1) % ${SUBJECTS}), 'edited', 'edit-' || g, now() FROM generate_series(0, ${SUBJECTS - 1}) g`);
  await run(`INSERT INTO incidents (id, status, announced, severity, stages, detector_min_p, alert_count, first_alert_at, last_alert_at, created_at, updated_at, version)
             SELECT 'I' || lpad(g::text, 8, '0'),
               CASE WHEN g % 10 = 0 THEN 'resolved' ELSE 'open' END, true,
               ((g::bigint * 7919) % 10000) / 100.0,
               CASE g % 3 WHEN 0 THEN ARRAY['data'] WHEN 1 THEN ARRAY['data', 'signals'] ELSE ARRAY['representations'] END,
               jsonb_build_object('det-' || (g % ${DETECTORS}), 0.001, 'det-' || ((g + 1) % ${DETECTORS}), 0.01),
               ${perIncident},
               timestamptz '2026-01-01' + g * interval '1 minute',
               timestamptz '2026-01-01' + g * interval '1 minute' + interval '30 minutes',
               timestamptz '2026-01-01' + g * interval '1 minute' + (g % 997) * interval '1 microsecond',
               timestamptz '2026-01-01' + g * interval '1 minute', 1
             FROM generate_series(0, ${incidents - 1}) g`);
  await run(`INSERT INTO alerts (alert_id, event_id, stage, detector, subject_kind, subject_id, score, p_value, alpha, evidence,
               window_from, window_to, occurred_at, input_event_ids, fingerprint, status)
             SELECT 'A' || a, 'e' || a,
               CASE WHEN i % 3 = 1 AND a % 2 = 1 THEN 'signals' WHEN i % 3 = 2 THEN 'representations' ELSE 'data' END,
               'det-' || ((i + a % 2) % ${DETECTORS}), 'model', 'M' || (i % ${SUBJECTS}), 3.0, 0.001, 0.01, '{"statistic": 2.5}',
               timestamptz '2026-01-01' + i * interval '1 minute',
               timestamptz '2026-01-01' + i * interval '1 minute' + (a % ${perIncident}) * interval '3 minutes',
               timestamptz '2026-01-01' + i * interval '1 minute' + (a % ${perIncident}) * interval '3 minutes',
               '["in"]', 'fp' || a, 'correlated'
             FROM (SELECT a, a / ${perIncident} AS i FROM generate_series(0, ${incidents * perIncident - 1}) a) x`);
  await run(`INSERT INTO incident_alerts (alert_id, incident_id)
             SELECT 'A' || a, 'I' || lpad((a / ${perIncident})::text, 8, '0') FROM generate_series(0, ${incidents * perIncident - 1}) a`);
  await run(`INSERT INTO incident_subjects (incident_id, subject_kind, subject_id)
             SELECT 'I' || lpad(g::text, 8, '0'), 'model', 'M' || (g % ${SUBJECTS}) FROM generate_series(0, ${incidents - 1}) g`);
  await run(`INSERT INTO incident_timeline (incident_id, kind, actor, details, at)
             SELECT 'I' || lpad(g::text, 8, '0'), k, 'correlator', '{}', timestamptz '2026-01-01' + g * interval '1 minute'
             FROM generate_series(0, ${incidents - 1}) g CROSS JOIN (VALUES ('opened'), ('announced')) AS kinds(k)`);
  await run(`INSERT INTO incident_triage (incident_id, verdict, verdict_by, verdict_at, acknowledged_at, acknowledged_by)
             SELECT 'I' || lpad(g::text, 8, '0'), (ARRAY['deceptive', 'benign', 'inconclusive'])[1 + g % 3], 'bench', now(), now(), 'bench'
             FROM generate_series(0, ${incidents - 1}, 7) g`);
  await run('ANALYZE');
}

/** The concurrent clients (plain JavaScript, run in a worker thread): posts back each latency and the wall time. */
const CLIENTS_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { url, authorization, body, clients, requests } = workerData;
const times = [];
let issued = 0;
async function client() {
  while (issued < requests) {
    issued += 1;
    const t = performance.now();
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body });
    const result = await response.json();
    if (result.errors || !result.data) throw new Error('query failed: ' + JSON.stringify(result.errors));
    times.push(performance.now() - t);
  }
}
const start = performance.now();
Promise.all(Array.from({ length: clients }, client)).then(() => {
  parentPort.postMessage({ times, seconds: (performance.now() - start) / 1000 });
});
`;

/**
 * CPU time (user + system) the main thread, where the API runs, has used: from
 * /proc/self/task/<pid>/stat on Linux, NaN elsewhere. Unlike wall time it hardly grows when other
 * processes share the cores.
 */
function mainThreadCpuMs(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** USER_HZ, which Linux fixes at 100 for /proc. */
const CLOCK_TICKS_PER_SECOND = 100;

function p95(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)];
}

async function main(): Promise<void> {
  const postgres = config.DATABASE_URL ? undefined : ensurePostgres();
  const serverUrl = config.DATABASE_URL ?? postgres!.url;
  const scratch = await createScratchDatabase(serverUrl, 'bench_api');
  const dataSource = await createDataSource(scratch.url, { poolSize: 10 }).initialize();
  // The in-process bus on purpose when KAFKA_BROKERS is unset (the API only publishes commands here).
  const bus = createBus({ brokers: config.KAFKA_BROKERS, memory: true, clientId: 'bench-api' });
  try {
    await dataSource.runMigrations();
    let started = Date.now();
    await seed((sql) => dataSource.query(sql), config.BENCH_INCIDENTS, config.BENCH_ALERTS);
    const counts = await dataSource.query<{ incidents: number; alerts: number }[]>(
      `SELECT (SELECT count(*) FROM incidents)::int AS incidents, (SELECT count(*) FROM alerts)::int AS alerts`,
    );
    console.log(`NODE_ENV=${config.NODE_ENV ?? '(unset)'}`);
    console.log(
      `seeded ${counts[0].incidents} incidents, ${counts[0].alerts} alerts in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );

    const app = await createApiApplication({
      dataSource,
      bus,
      settings: DEFAULT_API_SETTINGS,
      logger: ['error'],
    });
    await app.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${(app.getHttpServer() as { address(): AddressInfo }).address().port}/graphql`;
    const { key } = await new ApiKeyService(dataSource).create('viewer', 'bench');
    const post = async (query: string, variables: Record<string, unknown>): Promise<number> => {
      const t = performance.now();
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as {
        errors?: unknown[];
        data?: { incidents?: { pageInfo: { endCursor: string } } };
      };
      const elapsed = performance.now() - t;
      if (body.errors) throw new Error(`query failed: ${JSON.stringify(body.errors)}`);
      // The paging variant walks deeper on each round.
      if (variables.pages) openCursor = body.data?.incidents?.pageInfo.endCursor ?? null;
      return elapsed;
    };
    let openCursor: string | null = null;

    const LIST = `query($filter: IncidentFilter, $orderBy: IncidentOrder, $after: String) {
      incidents(filter: $filter, orderBy: $orderBy, first: 20, after: $after) {
        totalCount pageInfo { endCursor hasNextPage }
        edges { cursor node { id status severity stages alertCount createdAt lastAlertAt subjects { kind id } triage { acknowledged verdict } } } } }`;
    const listVariants: (() => Record<string, unknown>)[] = [
      () => ({}),
      () => ({ filter: { status: ['OPEN'] }, orderBy: 'SEVERITY_DESC' }),
      () => ({ filter: { status: ['OPEN'] }, after: openCursor, pages: true }),
      () => ({ filter: { detector: `det-${Math.floor(Math.random() * DETECTORS)}` } }),
      () => ({ filter: { subject: { kind: 'MODEL', id: `M${Math.floor(Math.random() * SUBJECTS)}` } } }),
      () => ({ filter: { stages: ['DATA', 'SIGNALS'], severityMin: 50 }, orderBy: 'LAST_ALERT_AT_DESC' }),
      () => ({ filter: { verdict: ['DECEPTIVE'] } }),
      () => ({ filter: { from: '2026-01-20T00:00:00Z', to: '2026-01-21T00:00:00Z' } }),
    ];
    const DETAIL = `query($id: ID!) { incident(id: $id) {
        id status severity stages alertCount firstAlertAt lastAlertAt subjects { kind id }
        triage { acknowledged acknowledgedAt verdict verdictNote verdictAt }
        alertsByStage(first: 20) { stage alertCount alerts { alertId detector subject { kind id } score pValue evidence occurredAt } }
        timeline(first: 50) { seq at kind details }
        lineage(hops: 1) { nodes { kind id } edges { from { id } to { id } relation } } } }`;
    const randomIncident = (): string =>
      `I${String(Math.floor(Math.random() * config.BENCH_INCIDENTS)).padStart(8, '0')}`;

    for (let i = 0; i < 30; i++) {
      await post(LIST, listVariants[i % listVariants.length]());
      await post(DETAIL, { id: randomIncident() });
    }
    const listTimes: number[] = [];
    const detailTimes: number[] = [];
    started = Date.now();
    for (let i = 0; i < config.BENCH_REQUESTS; i++) {
      listTimes.push(await post(LIST, listVariants[i % listVariants.length]()));
      detailTimes.push(await post(DETAIL, { id: randomIncident() }));
    }
    const perVariant = listVariants.map((_, v) =>
      p95(listTimes.filter((_, i) => i % listVariants.length === v)).toFixed(1),
    );
    console.log(
      `incidents p95 per variant (ms): ${perVariant.join(' ')}; ${config.BENCH_REQUESTS * 2} requests in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );

    // Concurrent: BENCH_CLIENTS clients share BENCH_CONCURRENT_REQUESTS requests of the queue's
    // default view (first page of open incidents by severity, with totalCount), each client sending
    // its next request as soon as the previous one answered. The clients run in a worker thread, as
    // callers of a deployed API run elsewhere: in the API's own event loop, their fetch and JSON
    // parsing took about a fifth of its CPU.
    const queueView = () => ({ filter: { status: ['OPEN'] }, orderBy: 'SEVERITY_DESC' });
    const body = JSON.stringify({ query: LIST, variables: queueView() });
    const concurrently = (target: string): Promise<{ times: number[]; seconds: number }> =>
      new Promise((done, fail) => {
        const worker = new Worker(CLIENTS_WORKER, {
          eval: true,
          workerData: {
            url: target,
            authorization: `Bearer ${key}`,
            body,
            clients: config.BENCH_CLIENTS,
            requests: config.BENCH_CONCURRENT_REQUESTS,
          },
        });
        worker.once('message', (result: { times: number[]; seconds: number }) => {
          done(result);
          void worker.terminate();
        });
        worker.once('error', fail);
      });
    const cpuBefore = mainThreadCpuMs();
    const concurrent = await concurrently(url);
    const cpuPerRequest = (mainThreadCpuMs() - cpuBefore) / concurrent.times.length;
    const c = config.BENCH_CLIENTS;
    const rps = concurrent.times.length / concurrent.seconds;
    console.log(
      `incident list with ${c} clients: ${concurrent.times.length} requests in ${concurrent.seconds.toFixed(1)} s, ` +
        `${cpuPerRequest.toFixed(2)} ms of the API thread's CPU per request (less sensitive to a busy machine than rates)`,
    );
    // Same-process reference, right after: the same client worker against a bare node:http server
    // (in this thread, as the API was) that reads each request and answers the API's own response
    // body. The ratio tells the API's throughput apart from how busy the shared machine is.
    const sample = await (
      await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body,
      })
    ).text();
    await app.close();
    const bare = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(sample);
      });
    });
    await new Promise<void>((listening) => bare.listen(0, '127.0.0.1', listening));
    const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/graphql`;
    const reference = await concurrently(bareUrl);
    await new Promise((closed) => bare.close(closed));
    const bareRps = reference.times.length / reference.seconds;
    console.log(
      `bare node:http reference with ${c} clients: ${reference.times.length} requests in ${reference.seconds.toFixed(1)} s ` +
        `(p95 ${p95(reference.times).toFixed(1)} ms, ${bareRps.toFixed(0)} requests/s)`,
    );
    console.log(
      `api: incidents_p95_ms=${p95(listTimes).toFixed(1)} incident_detail_p95_ms=${p95(detailTimes).toFixed(1)} ` +
        `list_c${c}_p95_ms=${p95(concurrent.times).toFixed(1)} list_c${c}_rps=${rps.toFixed(0)} ` +
        `list_c${c}_rps_vs_bare_http=${(rps / bareRps).toFixed(3)} list_c${c}_cpu_ms_per_req=${cpuPerRequest.toFixed(2)}`,
    );
  } finally {
    await bus.close();
    await dataSource.destroy();
    await scratch.drop();
    postgres?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
