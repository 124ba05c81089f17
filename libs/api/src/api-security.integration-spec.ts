import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { KafkaBus } from '@damon/bus';
import { createDataSource, createScratchDatabase, type ScratchDatabase } from '@damon/persistence';
import { integrationEnv } from '@damon/testing';
import { createClient, type Client } from 'graphql-ws';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createApiApplication } from './api-application';
import { DEFAULT_API_SETTINGS } from './api-settings';
import { ApiKeyService } from './auth/api-key.service';
import { postGraphql, type GraphqlResponse } from './testing/graphql-http';
import { seedIncidents, type SeedIncident } from './testing/seed-incidents';

const RUN = randomBytes(3).toString('hex');
const T0 = Date.parse('2026-04-01T00:00:00Z');
const M1 = { kind: 'model' as const, id: `SEC-M1-${RUN}` };

const INCIDENTS: SeedIncident[] = Array.from({ length: 600 }, (_, i) => ({
  id: `SEC-${String(i).padStart(4, '0')}`,
  status: 'open' as const,
  severity: 1 + (i % 7),
  createdAt: new Date(T0 + i * 60_000),
  alerts: [
    {
      id: `sec-a${i}`,
      stage: 'data' as const,
      detector: 'mmd',
      subject: M1,
      pValue: 0.001,
      at: new Date(T0 + i * 60_000 - 1_000),
    },
  ],
}));

/** `fragments` fragments, each spreading the next twice: 2^fragments paths through a sub-kilobyte document. */
function exponentialQuery(fragments = 20): string {
  const parts = ['query { incidents { edges { node { ...F0 } } } }'];
  for (let i = 0; i < fragments; i++) {
    parts.push(
      i < fragments - 1
        ? `fragment F${i} on Incident { id ...F${i + 1} ...F${i + 1} }`
        : `fragment F${i} on Incident { id }`,
    );
  }
  return parts.join(' ');
}

describe('GraphQL API under attack (real PostgreSQL and Kafka)', () => {
  let scratch: ScratchDatabase;
  let dataSource: DataSource;
  let bus: KafkaBus;
  let app: INestApplication;
  let url: string;
  let wsUrl: string;
  const keys = { viewer: '', triager: '' };
  const wsClients: Client[] = [];

  const gql = <T = Record<string, unknown>>(
    query: string,
    key: string | null = keys.viewer,
    variables: Record<string, unknown> = {},
  ): Promise<GraphqlResponse<T>> => postGraphql<T>(url, query, variables, key ?? undefined);
  const timed = async <T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> => {
    const started = performance.now();
    const result = await work();
    return { result, ms: performance.now() - started };
  };
  /** Counts the SQL statements run through the API's DataSource while `work` runs. */
  const countingQueries = async <T>(work: () => Promise<T>): Promise<{ result: T; sql: string[] }> => {
    const original = dataSource.query.bind(dataSource);
    const sql: string[] = [];
    dataSource.query = ((...args: Parameters<DataSource['query']>) => {
      sql.push(args[0]);
      return original(...args);
    }) as DataSource['query'];
    try {
      return { result: await work(), sql };
    } finally {
      dataSource.query = original;
    }
  };

  beforeAll(async () => {
    const env = integrationEnv();
    scratch = await createScratchDatabase(env.databaseUrl, 'api_sec_test');
    dataSource = await createDataSource(scratch.url, { poolSize: 8 }).initialize();
    await dataSource.runMigrations();
    bus = new KafkaBus({ brokers: env.kafkaBrokers, clientId: `api-sec-test-${RUN}` });
    app = await createApiApplication({ dataSource, bus, settings: DEFAULT_API_SETTINGS, logger: false });
    await app.listen(0, '127.0.0.1');
    const port = (app.getHttpServer() as { address(): AddressInfo }).address().port;
    url = `http://127.0.0.1:${port}/graphql`;
    wsUrl = `ws://127.0.0.1:${port}/graphql`;
    const apiKeys = new ApiKeyService(dataSource);
    keys.viewer = (await apiKeys.create('viewer', 'vic')).key;
    keys.triager = (await apiKeys.create('triager', 'trish')).key;
    await seedIncidents(dataSource, INCIDENTS);
  });

  afterAll(async () => {
    for (const client of wsClients) await client.dispose();
    await app?.close();
    await bus?.close();
    await dataSource?.destroy();
    await scratch?.drop();
  });

  describe('pre-auth CPU exhaustion', () => {
    it('the exponential fragment document is under a kilobyte', () => {
      expect(Buffer.byteLength(exponentialQuery())).toBeLessThan(1_000);
    });

    it('refuses it without a key before any validation, fast', async () => {
      await gql('{ incidents { totalCount } }'); // warm the app's code paths once
      const { result, ms } = await timed(() => gql(exponentialQuery(), null));
      expect(result.status).toBe(401);
      expect(result.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
      // Before the fix this document took seconds in the depth and complexity rules.
      expect(ms).toBeLessThan(500);
    });

    it('refuses it with a key by its cost, fast, without running it', async () => {
      const { result, sql } = await countingQueries(() => timed(() => gql(exponentialQuery())));
      expect(result.result.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(result.result.errors?.[0].message).toMatch(/complexity exceeds the limit of 5000/);
      expect(result.ms).toBeLessThan(500);
      expect(sql.filter((q) => /FROM incidents/i.test(q))).toEqual([]);
    });
  });

  describe('alias amplification', () => {
    const aliased = (n: number): string =>
      `{ ${Array.from({ length: n }, (_, i) => `i${i}: incident(id: "SEC-${String(i).padStart(4, '0')}") { id severity }`).join(' ')} }`;

    it('refuses 1,000 aliased incident lookups while parsing, and 600 by their cost', async () => {
      const { result, sql } = await countingQueries(() => gql(aliased(1_000)));
      expect(result.errors?.[0].extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
      expect(result.errors?.[0].message).toMatch(/more \w+ 10000 tokens/);
      const costly = await countingQueries(() => gql(aliased(600)));
      expect(costly.result.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(costly.result.errors?.[0].message).toMatch(/complexity exceeds the limit of 5000/);
      expect([...sql, ...costly.sql]).toEqual([]);
    });

    it('answers the aliases it admits with one batched query', async () => {
      const { result, sql } = await countingQueries(() =>
        gql<Record<string, { id: string; severity: number }>>(aliased(400)),
      );
      expect(result.errors).toBeUndefined();
      expect(Object.keys(result.data!)).toHaveLength(400);
      expect(result.data!.i399).toEqual({ id: INCIDENTS[399].id, severity: INCIDENTS[399].severity });
      // Before the fix: one query per alias.
      expect(sql).toHaveLength(1);
    });
  });

  describe('subscription documents', () => {
    /** The errors graphql-ws returns for `query` on a connection with the viewer's key. */
    const subscribeErrors = (query: string): Promise<unknown> => {
      const client = createClient({
        url: wsUrl,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${keys.viewer}` },
        retryAttempts: 0,
      });
      wsClients.push(client);
      return new Promise<unknown>((done) => {
        client.subscribe({ query }, { next: (r) => done(r.errors), error: done, complete: () => undefined });
      });
    };

    it('refuses an authenticated subscription over 10,000 tokens while parsing, as over HTTP', async () => {
      // 4,000 aliases of one field: ~12k tokens. Before the fix graphql-ws parsed it without a limit.
      const fields = Array.from({ length: 4_000 }, (_, i) => `a${i}: incidentId`).join(' ');
      const { result, ms } = await timed(() =>
        subscribeErrors(`subscription { incidentUpdated { ${fields} } }`),
      );
      const errors = result as { message: string; extensions?: { code?: string } }[];
      expect(errors.map((e) => e.extensions?.code)).toEqual(['GRAPHQL_PARSE_FAILED']);
      expect(errors[0].message).toMatch(/more \w+ 10000 tokens/);
      expect(ms).toBeLessThan(1_000);
    });
  });

  describe('people’s names', () => {
    it('leaves the assignee out of timeline and triage history details for viewers only', async () => {
      const id = INCIDENTS[0].id;
      const assigned = await gql(
        `mutation { assignIncident(id: "${id}", assignee: "bob-${RUN}") { id } }`,
        keys.triager,
      );
      expect(assigned.errors).toBeUndefined();
      const query = `{ incident(id: "${id}") { timeline { kind details } triageHistory { kind details } } }`;
      type Detail = {
        incident: {
          timeline: { kind: string; details: Record<string, unknown> }[];
          triageHistory: { kind: string; details: Record<string, unknown> }[];
        };
      };
      const viewer = await gql<Detail>(query, keys.viewer);
      expect(viewer.errors).toBeUndefined();
      expect(viewer.data!.incident.triageHistory.map((e) => e.kind)).toEqual(['assigned']);
      expect(viewer.data!.incident.triageHistory[0].details).toEqual({});
      expect(viewer.raw).not.toContain(`bob-${RUN}`);
      expect(viewer.raw).not.toContain('trish');
      const triager = await gql<Detail>(query, keys.triager);
      expect(triager.data!.incident.triageHistory[0].details).toMatchObject({ assignee: `bob-${RUN}` });
      expect(triager.data!.incident.timeline.find((e) => e.kind === 'assigned')?.details).toMatchObject({
        assignee: `bob-${RUN}`,
      });
    });
  });

  describe('schema hints', () => {
    it('suggests no field or enum names outside development, with or without a key', async () => {
      const typo = await gql('{ incidnts { totalCount } incident(id: "x") { sevrity } }');
      expect(typo.errors?.length).toBeGreaterThan(0);
      expect(typo.errors?.every((e) => e.extensions?.code === 'GRAPHQL_VALIDATION_FAILED')).toBe(true);
      expect(typo.raw).not.toMatch(/Did you mean|"incidents"|"severity"/);
      const enumTypo = await gql('{ incidents(orderBy: SEVERITY_DES) { totalCount } }');
      expect(enumTypo.errors?.length).toBeGreaterThan(0);
      expect(enumTypo.raw).not.toMatch(/Did you mean|SEVERITY_DESC/);
      const anonymous = await gql('{ incidnts { totalCount } }', null);
      expect(anonymous.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
      expect(anonymous.raw).not.toMatch(/Did you mean|incidents/);
    });

    it('suggests none over graphql-ws either', async () => {
      const client = createClient({
        url: wsUrl,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${keys.viewer}` },
        retryAttempts: 0,
      });
      wsClients.push(client);
      const errors = await new Promise<unknown>((done) => {
        client.subscribe(
          { query: 'subscription { incidentUpdatd { incidentId } }' },
          { next: (r) => done(r.errors), error: done, complete: () => undefined },
        );
      });
      const text = JSON.stringify(errors);
      expect(text).toMatch(/incidentUpdatd/);
      expect(text).not.toMatch(/Did you mean|"incidentUpdated"/);
    });
  });

  describe('metrics', () => {
    /** The value of one sample line of /metrics (0 when absent). */
    const sample = async (line: string): Promise<number> => {
      const text = await (await fetch(url.replace(/\/graphql$/, '/metrics'))).text();
      const found = text.split('\n').find((l) => l.startsWith(`${line} `));
      return found ? Number(found.slice(line.length + 1)) : 0;
    };
    const LINES = {
      listOk: 'damon_api_operation_duration_seconds_count{type="query",field="incidents",outcome="ok"}',
      resolver: 'damon_api_resolver_duration_seconds_count{field="Query.incidents"}',
      unauthenticated: 'damon_api_errors_total{code="UNAUTHENTICATED"}',
      invalid: 'damon_api_errors_total{code="GRAPHQL_VALIDATION_FAILED"}',
      badInput: 'damon_api_errors_total{code="BAD_USER_INPUT"}',
    };

    it('exports operation and root resolver latency and errors by code in /metrics', async () => {
      const before = Object.fromEntries(
        await Promise.all(Object.entries(LINES).map(async ([k, l]) => [k, await sample(l)] as const)),
      );
      for (let i = 0; i < 3; i++)
        expect((await gql('{ incidents(first: 5) { totalCount } }')).errors).toBeUndefined();
      await gql('{ incidents { totalCount } }', null);
      await gql('{ incidents { totalCount } }', 'dmn_bad_key');
      await gql('{ nope }');
      await gql('{ incidents(first: 1000) { totalCount } }');
      const after = Object.fromEntries(
        await Promise.all(Object.entries(LINES).map(async ([k, l]) => [k, await sample(l)] as const)),
      );
      expect({
        listOk: after.listOk - before.listOk,
        resolver: after.resolver - before.resolver,
        unauthenticated: after.unauthenticated - before.unauthenticated,
        invalid: after.invalid - before.invalid,
        badInput: after.badInput - before.badInput,
      }).toEqual({ listOk: 3, resolver: 4, unauthenticated: 2, invalid: 1, badInput: 1 });
      const text = await (await fetch(url.replace(/\/graphql$/, '/metrics'))).text();
      expect(text).toMatch(
        /damon_api_operation_duration_seconds_bucket\{le="0.1",type="query",field="incidents",outcome="ok"\} \d+/,
      );
    });
  });
});
