import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STORY, pipelineEdges, type StoryPipeline } from '@damon/scenario';
import { startNpmScript, type ServiceProcess } from '@damon/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `npm start` exactly as the README says, on a fresh data folder: the embedded parts only, so the
// test's KAFKA_BROKERS and DATABASE_URL are taken out of its environment.
const dataDir = mkdtempSync(join(tmpdir(), 'damon-all-in-one-'));
let port = 0;
let key = '';
let process1: ServiceProcess | undefined;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function start(): ServiceProcess {
  return startNpmScript(['start', '--', '--data-dir', dataDir], {
    env: { PORT: String(port) },
    unset: ['KAFKA_BROKERS', 'DATABASE_URL'],
  });
}

interface IncidentNode {
  id: string;
  status: string;
  stages: string[];
  subjects: { kind: string; id: string }[];
  lineage: {
    edges: { from: { kind: string; id: string }; relation: string; to: { kind: string; id: string } }[];
  };
}

async function graphql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data!;
}

const INCIDENTS = `query ($filter: IncidentFilter) {
  incidents(first: 20, filter: $filter) {
    totalCount
    edges { node { id status stages subjects { kind id } lineage(hops: 2) { edges { from { kind id } relation to { kind id } } } } }
  }
}`;

async function incidents(filter: Record<string, unknown> = {}) {
  const data = await graphql<{ incidents: { totalCount: number; edges: { node: IncidentNode }[] } }>(
    INCIDENTS,
    {
      filter,
    },
  );
  return { total: data.incidents.totalCount, nodes: data.incidents.edges.map((e) => e.node) };
}

async function eventually<T>(
  read: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

const upper = (ref: { kind: string; id: string }) => `${ref.kind.toUpperCase()}/${ref.id}`;
const edgeKey = (e: {
  from: { kind: string; id: string };
  relation: string;
  to: { kind: string; id: string };
}) => `${upper(e.from)} -${e.relation.toLowerCase()}-> ${upper(e.to)}`;
const subjectsOf = (p: StoryPipeline) => [p.dataset, p.run, p.model].map(upper).sort();

/** Waits until the status line shows every telemetry event of the story consumed. */
async function storyConsumed(p: ServiceProcess): Promise<void> {
  await p.waitFor(/story played \((\d+) telemetry events/, 120_000);
  const published = Number(/story played \((\d+) telemetry events/.exec(p.output())![1]);
  await eventually(
    () => {
      const seen = [...p.output().matchAll(/events in (\d+)/g)].map((m) => Number(m[1]));
      return Promise.resolve(seen.some((n) => n >= published) ? true : undefined);
    },
    120_000,
    `${published} telemetry events consumed`,
  );
}

describe('npm start: the whole platform in one process, with the built-in story', () => {
  beforeAll(async () => {
    port = await freePort();
  });

  afterAll(async () => {
    await process1?.interrupt().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('raises one cross-stage incident on the compromised pipeline and none on the clean one', async () => {
    const spawned = Date.now();
    process1 = start();
    await process1.waitFor(/damon is ready/, 90_000);
    const ready = (Date.now() - spawned) / 1000;
    await process1.waitFor(/admin API key/, 10_000);
    console.log(`npm start: ready in ${ready.toFixed(1)} s (first start, new data folder)`);
    const printed = /admin API key \(shown once, store it now\): (\S+)/.exec(process1.output());
    expect(printed, process1.output()).not.toBeNull();
    key = printed![1];

    // The console on the same port: its page at / and at a client route (SPA fallback).
    for (const path of ['/', '/incidents']) {
      const page = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { accept: 'text/html' } });
      expect(page.status, path).toBe(200);
      expect(await page.text(), path).toMatch(/<div id="root">/);
    }

    const incident = await eventually(
      async () => {
        const { nodes } = await incidents({ stages: ['DATA', 'SIGNALS', 'REPRESENTATIONS'] });
        return nodes.find((n) =>
          subjectsOf(STORY.compromised).every((s) => n.subjects.map(upper).includes(s)),
        );
      },
      60_000,
      'the three-stage incident',
    );
    console.log(
      `npm start: cross-stage incident ${incident.id} after ${((Date.now() - spawned) / 1000).toFixed(1)} s`,
    );
    expect(incident.status).toBe('OPEN');
    expect([...incident.stages].sort()).toEqual(['DATA', 'REPRESENTATIONS', 'SIGNALS']);
    expect(incident.subjects.map(upper).sort()).toEqual(subjectsOf(STORY.compromised));
    const lineage = incident.lineage.edges.map(edgeKey);
    for (const edge of pipelineEdges(STORY.compromised)) expect(lineage).toContain(edgeKey(edge));

    await storyConsumed(process1);
    // Give the correlator a moment past the monitors' last alerts.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    for (const subject of [STORY.clean.dataset, STORY.clean.run, STORY.clean.model]) {
      const clean = await incidents({ subject: { kind: subject.kind.toUpperCase(), id: subject.id } });
      expect(clean.total, `incidents on clean ${subject.kind} ${subject.id}`).toBe(0);
    }
    const all = await incidents();
    expect(all.nodes.map((n) => n.id)).toEqual([incident.id]);

    expect(await process1.interrupt()).toBe(0);
    expect(process1.output()).toContain('stopped');
  });

  it('finds the incident again after a restart, replays nothing twice, and stops on SIGINT with 0', async () => {
    expect(key, 'the first test printed an admin key').not.toBe('');
    const spawned = Date.now();
    process1 = start();
    await process1.waitFor(/damon is ready/, 90_000);
    console.log(`npm start: ready in ${((Date.now() - spawned) / 1000).toFixed(1)} s (restart)`);
    await process1.waitFor(/admin API key\(s\) exist already/, 10_000);
    expect(process1.output()).toMatch(/1 admin API key\(s\) exist already/);
    expect(process1.output()).not.toMatch(/shown once/);
    const first = await incidents();
    expect(first.total).toBe(1);
    expect(first.nodes[0].subjects.map(upper).sort()).toEqual(subjectsOf(STORY.compromised));

    // The story is replayed with the same event ids: the monitors skip it, no new incident appears.
    await storyConsumed(process1);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const after = await incidents();
    expect(after.nodes.map((n) => n.id)).toEqual(first.nodes.map((n) => n.id));
    expect(await process1.interrupt()).toBe(0);
  });
});
