import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STORY, pipelineEdges } from '@damon/scenario';
import { afterAll, describe, expect, it } from 'vitest';
import { AllInOneRun, edgeKey, sample, subjectsOf, upper } from './all-in-one-run';

// `npm start` exactly as the README says, on a fresh data folder: the embedded parts only, so the
// test's KAFKA_BROKERS and DATABASE_URL are taken out of its environment.
const dataDir = mkdtempSync(join(tmpdir(), 'damon-all-in-one-'));
const run = new AllInOneRun(['--data-dir', dataDir], { unset: ['KAFKA_BROKERS', 'DATABASE_URL'] });

describe('npm start: the whole platform in one process, with the built-in story', () => {
  afterAll(async () => {
    await run.process?.interrupt().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('raises one cross-stage incident on the compromised pipeline and none on the clean one', async () => {
    const spawned = Date.now();
    const process1 = await run.start();
    const ready = await run.ready(spawned);
    console.log(`npm start: ready in ${ready.toFixed(1)} s (first start, new data folder)`);
    expect(run.key, process1.output()).not.toBe('');

    // The console on the same port: its page at / and at a client route (SPA fallback).
    for (const path of ['/', '/incidents']) {
      const page = await fetch(`http://127.0.0.1:${run.port}${path}`, { headers: { accept: 'text/html' } });
      expect(page.status, path).toBe(200);
      expect(await page.text(), path).toMatch(/<div id="root">/);
    }

    const incident = await run.storyIncident(STORY.compromised);
    console.log(
      `npm start: cross-stage incident ${incident.id} after ${((Date.now() - spawned) / 1000).toFixed(1)} s`,
    );
    expect(incident.status).toBe('OPEN');
    expect([...incident.stages].sort()).toEqual(['DATA', 'REPRESENTATIONS', 'SIGNALS']);
    expect(incident.subjects.map(upper).sort()).toEqual(subjectsOf(STORY.compromised));
    const lineage = incident.lineage.edges.map(edgeKey);
    for (const edge of pipelineEdges(STORY.compromised)) expect(lineage).toContain(edgeKey(edge));

    await run.storyConsumed();
    // Give the correlator a moment past the monitors' last alerts.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    for (const subject of [STORY.clean.dataset, STORY.clean.run, STORY.clean.model]) {
      const clean = await run.incidents({ subject: { kind: subject.kind.toUpperCase(), id: subject.id } });
      expect(clean.total, `incidents on clean ${subject.kind} ${subject.id}`).toBe(0);
    }
    const all = await run.incidents();
    expect(all.nodes.map((n) => n.id)).toEqual([incident.id]);

    // One scrape of the one port shows every part: the API, the three monitors, the correlator.
    const metrics = await run.metrics();
    for (const stage of ['data', 'signals', 'representations'])
      expect(sample(metrics, `damon_monitor_consumed_total{stage="${stage}"}`), stage).toBeGreaterThan(0);
    expect(sample(metrics, 'damon_correlator_outbox_backlog')).toBe(0);
    expect(metrics).toMatch(
      /^damon_api_operation_duration_seconds_count\{type="query",field="incidents",outcome="ok"\} \d+$/m,
    );
    expect(metrics.match(/^# TYPE process_cpu_user_seconds_total /gm)).toHaveLength(1);

    expect(await process1.interrupt()).toBe(0);
    expect(process1.output()).toContain('stopped');
  });

  it('finds the incident again after a restart, replays nothing twice, and stops on SIGINT with 0', async () => {
    expect(run.key, 'the first test printed an admin key').not.toBe('');
    const spawned = Date.now();
    const process1 = await run.start();
    console.log(`npm start: ready in ${(await run.ready(spawned)).toFixed(1)} s (restart)`);
    await process1.waitFor(/admin API key\(s\) exist already/, 10_000);
    expect(process1.output()).toMatch(/1 admin API key\(s\) exist already/);
    expect(process1.output()).not.toMatch(/shown once/);
    const first = await run.incidents();
    expect(first.total).toBe(1);
    expect(first.nodes[0].subjects.map(upper).sort()).toEqual(subjectsOf(STORY.compromised));

    // The story is replayed with the same event ids: the monitors skip it, no new incident appears.
    await run.storyConsumed();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const after = await run.incidents();
    expect(after.nodes.map((n) => n.id)).toEqual(first.nodes.map((n) => n.id));
    expect(await process1.interrupt()).toBe(0);
  });
});
