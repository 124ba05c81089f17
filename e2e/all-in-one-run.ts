import { createServer } from 'node:net';
import type { StoryPipeline } from '@damon/scenario';
import { startNpmScript, type ServiceProcess } from '@damon/testing';

/** Helpers of the `npm start` e2e specs: one run of the all-in-one and what the specs ask of it. */

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export async function eventually<T>(
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

export interface IncidentNode {
  id: string;
  status: string;
  stages: string[];
  subjects: { kind: string; id: string }[];
  lineage: {
    edges: { from: { kind: string; id: string }; relation: string; to: { kind: string; id: string } }[];
  };
}

const INCIDENTS = `query ($filter: IncidentFilter) {
  incidents(first: 20, filter: $filter) {
    totalCount
    edges { node { id status stages subjects { kind id } lineage(hops: 2) { edges { from { kind id } relation to { kind id } } } } }
  }
}`;

export const upper = (ref: { kind: string; id: string }) => `${ref.kind.toUpperCase()}/${ref.id}`;
export const edgeKey = (e: {
  from: { kind: string; id: string };
  relation: string;
  to: { kind: string; id: string };
}) => `${upper(e.from)} -${e.relation.toLowerCase()}-> ${upper(e.to)}`;
export const subjectsOf = (p: StoryPipeline) => [p.dataset, p.run, p.model].map(upper).sort();

/** `npm start -- <args>` on a port of its own, with the admin key it printed. */
export class AllInOneRun {
  port = 0;
  key = '';
  process?: ServiceProcess;

  constructor(
    private readonly args: string[],
    private readonly env: { set?: Record<string, string>; unset?: string[] } = {},
  ) {}

  async start(): Promise<ServiceProcess> {
    if (!this.port) this.port = await freePort();
    this.process = startNpmScript(['start', '--', ...this.args], {
      env: { ...this.env.set, PORT: String(this.port) },
      unset: this.env.unset ?? [],
    });
    return this.process;
  }

  /** Waits for "ready"; returns the seconds since spawn and takes the printed key (first start). */
  async ready(spawned: number): Promise<number> {
    const p = this.process!;
    await p.waitFor(/damon is ready/, 90_000);
    const seconds = (Date.now() - spawned) / 1000;
    await p.waitFor(/admin API key/, 10_000);
    const printed = /admin API key \(shown once, store it now\): (\S+)/.exec(p.output());
    if (printed) this.key = printed[1];
    return seconds;
  }

  async graphql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const response = await fetch(`http://127.0.0.1:${this.port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.key}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: T; errors?: unknown[] };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data!;
  }

  async incidents(filter: Record<string, unknown> = {}) {
    const data = await this.graphql<{ incidents: { totalCount: number; edges: { node: IncidentNode }[] } }>(
      INCIDENTS,
      { filter },
    );
    return { total: data.incidents.totalCount, nodes: data.incidents.edges.map((e) => e.node) };
  }

  /** The story's three-stage incident on `pipeline`, once it is there. */
  storyIncident(pipeline: StoryPipeline, timeoutMs = 60_000): Promise<IncidentNode> {
    return eventually(
      async () => {
        const { nodes } = await this.incidents({ stages: ['DATA', 'SIGNALS', 'REPRESENTATIONS'] });
        return nodes.find((n) => subjectsOf(pipeline).every((s) => n.subjects.map(upper).includes(s)));
      },
      timeoutMs,
      'the three-stage incident',
    );
  }

  /** Waits until the status line shows every telemetry event of the story consumed. */
  async storyConsumed(): Promise<void> {
    const p = this.process!;
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

  /** /metrics on the all-in-one's one port. */
  async metrics(): Promise<string> {
    return (await fetch(`http://127.0.0.1:${this.port}/metrics`)).text();
  }
}

/** The value of one sample line of a /metrics text (undefined when absent). */
export function sample(text: string, line: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found ? Number(found.slice(line.length + 1)) : undefined;
}
