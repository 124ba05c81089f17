/**
 * npm run bench:console
 *
 * Seeds a scratch database with BENCH_INCIDENTS incidents (INSERT … SELECT generate_series; the
 * row-by-row seedIncidents helper would take minutes at this size), serves the production console
 * build from the real API app, and measures in Debian's Chromium, with a cold cache each time, how
 * long after navigation starts the queue's first page (25 rows, most severe open incidents, with
 * their subjects and triage) is on screen. Also the initial JavaScript: the entry script and the
 * modules index.html preloads, gzip-compressed. Uses DATABASE_URL when set, else starts PostgreSQL
 * through infra/; KAFKA_BROKERS when set, else the in-process bus.
 * Last line: `console: first_page_ms=<median> initial_js_kb=<n>`.
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ApiKeyService, createApiApplication, DEFAULT_API_SETTINGS } from '@damon/api';
import { createBus } from '@damon/bus';
import { databaseUrlVar, integerVar, kafkaBrokersVar, loadConfig } from '@damon/config';
import { median } from '@damon/detectors';
import { createDataSource, createScratchDatabase } from '@damon/persistence';
import { ensurePostgres } from '@damon/testing';
import { z } from 'zod';
import { ensureConsoleBuild } from '../../e2e/console-build';
import { launchChromium, screenshot } from '../../e2e/console-browser';

const config = loadConfig(
  z.object({
    DATABASE_URL: databaseUrlVar(),
    KAFKA_BROKERS: kafkaBrokersVar(),
    BENCH_INCIDENTS: integerVar({ min: 1_000, max: 10_000_000, default: 100_000 }),
    BENCH_RUNS: integerVar({ min: 1, max: 50, default: 7 }),
  }),
);

const SUBJECTS = 10_000;
const PAGE_ROWS = 25;

/** What the queue reads: incidents, their subjects, and a verdict on every 7th. */
async function seed(run: (sql: string) => Promise<unknown>, incidents: number): Promise<void> {
  await run(`INSERT INTO artifacts (kind, id) SELECT 'model', 'model-' || g FROM generate_series(0, ${SUBJECTS - 1}) g
             UNION ALL SELECT 'dataset', 'dataset-' || g FROM generate_series(0, ${SUBJECTS - 1}) g`);
  await run(`INSERT INTO incidents (id, status, announced, severity, stages, detector_min_p, alert_count, first_alert_at, last_alert_at, created_at, updated_at, version)
             SELECT 'inc_' || lpad(g::text, 8, '0'),
               CASE WHEN g % 10 = 0 THEN 'resolved' ELSE 'open' END, true,
               ((g::bigint * 7919) % 4000) / 100.0,
               CASE g % 3 WHEN 0 THEN ARRAY['data'] WHEN 1 THEN ARRAY['data', 'signals'] ELSE ARRAY['data', 'signals', 'representations'] END,
               jsonb_build_object('mmd', 0.001), 1 + g % 9,
               now() - (${incidents} - g) * interval '1 minute',
               now() - (${incidents} - g) * interval '1 minute' + interval '5 minutes',
               now() - (${incidents} - g) * interval '1 minute', now() - (${incidents} - g) * interval '1 minute', 1
             FROM generate_series(0, ${incidents - 1}) g`);
  await run(`INSERT INTO incident_subjects (incident_id, subject_kind, subject_id)
             SELECT 'inc_' || lpad(g::text, 8, '0'), 'model', 'model-' || (g % ${SUBJECTS}) FROM generate_series(0, ${incidents - 1}) g
             UNION ALL SELECT 'inc_' || lpad(g::text, 8, '0'), 'dataset', 'dataset-' || (g % ${SUBJECTS}) FROM generate_series(0, ${incidents - 1}) g`);
  await run(`INSERT INTO incident_triage (incident_id, verdict, verdict_by, verdict_at, acknowledged_at, acknowledged_by, assignee)
             SELECT 'inc_' || lpad(g::text, 8, '0'), (ARRAY['deceptive', 'benign', 'inconclusive'])[1 + g % 3], 'bench', now(), now(), 'bench', 'operator-' || (g % 5)
             FROM generate_series(0, ${incidents - 1}, 7) g`);
  await run('ANALYZE');
}

/** The entry script plus every module index.html preloads: what the browser fetches before the queue renders. */
function initialJsGzipKb(dist: string): number {
  const html = readFileSync(resolve(dist, 'index.html'), 'utf8');
  const files = [
    ...html.matchAll(/<script[^>]+src="([^"]+\.js)"/g),
    ...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+\.js)"/g),
  ].map((m) => m[1]);
  const bytes = [...new Set(files)].reduce(
    (sum, f) => sum + gzipSync(readFileSync(resolve(dist, f.replace(/^\//, '')))).length,
    0,
  );
  return bytes / 1024;
}

async function main(): Promise<void> {
  const dist = ensureConsoleBuild();
  const initialKb = initialJsGzipKb(dist);
  const postgres = config.DATABASE_URL ? undefined : ensurePostgres();
  const scratch = await createScratchDatabase(config.DATABASE_URL ?? postgres!.url, 'bench_console');
  const dataSource = await createDataSource(scratch.url, { poolSize: 10 }).initialize();
  // The in-process bus on purpose when KAFKA_BROKERS is unset.
  const bus = createBus({ brokers: config.KAFKA_BROKERS, memory: true, clientId: 'bench-console' });
  const browser = await launchChromium();
  try {
    await dataSource.runMigrations();
    const started = Date.now();
    await seed((sql) => dataSource.query(sql), config.BENCH_INCIDENTS);
    const [{ n }] = await dataSource.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM incidents`);
    console.log(`seeded ${n} incidents in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const app = await createApiApplication({
      dataSource,
      bus,
      settings: DEFAULT_API_SETTINGS,
      logger: ['error'],
      consoleDir: dist,
    });
    await app.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${(app.getHttpServer() as { address(): AddressInfo }).address().port}/`;
    const { key } = await new ApiKeyService(dataSource).create('triager', 'bench');

    const samples: number[] = [];
    for (let i = 0; i < config.BENCH_RUNS; i++) {
      // A new context: empty HTTP cache, the key already in this tab's sessionStorage (as after sign-in).
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      await context.addInitScript((k) => {
        (
          globalThis as unknown as { sessionStorage: { setItem(a: string, b: string): void } }
        ).sessionStorage.setItem('damon.apiKey', k);
      }, key);
      const page = await context.newPage();
      await page.goto(url, { waitUntil: 'commit' });
      await page
        .locator(`tr[data-incident]`)
        .nth(PAGE_ROWS - 1)
        .waitFor({ timeout: 30_000 });
      // Milliseconds since this navigation started, read inside the page once the rows are in the DOM.
      const ms = await page.evaluate(() =>
        (globalThis as unknown as { performance: { now(): number } }).performance.now(),
      );
      samples.push(ms);
      console.log(`run ${i + 1}: first page after ${ms.toFixed(0)} ms`);
      if (i === config.BENCH_RUNS - 1) await screenshot(page, 'bench-queue');
      await context.close();
    }
    await app.close();
    console.log(
      `initial JS (gzip): ${initialKb.toFixed(1)} kB; first page median of ${samples.length} cold loads`,
    );
    console.log(`console: first_page_ms=${median(samples).toFixed(0)} initial_js_kb=${initialKb.toFixed(1)}`);
  } finally {
    await browser.close();
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
