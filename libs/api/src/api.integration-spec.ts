import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { KafkaBus, type Subscription } from '@damon/bus';
import type { BaselineCommand, IncidentEvent, LineageEdge } from '@damon/contracts';
import { createDataSource, createScratchDatabase, type ScratchDatabase } from '@damon/persistence';
import { integrationEnv } from '@damon/testing';
import { createClient, type Client } from 'graphql-ws';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createApiApplication } from './api-application';
import { DEFAULT_API_SETTINGS } from './api-settings';
import { ApiKeyService } from './auth/api-key.service';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { IncidentFeed } from './services/incident-feed.service';
import { postGraphql, type GraphqlResponse } from './testing/graphql-http';
import { seedIncidents, seedLineage, type SeedAlert, type SeedIncident } from './testing/seed-incidents';

const RUN = randomBytes(3).toString('hex');
const T0 = Date.parse('2026-03-01T00:00:00Z');
const at = (minutes: number): Date => new Date(T0 + minutes * 60_000);

const D1 = { kind: 'dataset' as const, id: 'D1' };
const R1 = { kind: 'run' as const, id: 'R1' };
const M1 = { kind: 'model' as const, id: 'M1' };
const M2 = { kind: 'model' as const, id: 'M2' };

function alert(
  id: string,
  stage: SeedAlert['stage'],
  detector: string,
  subject: SeedAlert['subject'],
  minutes: number,
  pValue = 0.001,
): SeedAlert {
  return { id, stage, detector, subject, pValue, at: at(minutes) };
}

/** The fixture: three storied incidents plus filler for paging. Expected answers are computed from it. */
const STORY: SeedIncident[] = [
  {
    id: 'INC-A',
    status: 'open',
    severity: 12.5,
    severityTerms: {
      evidence: 9.25,
      flaggedCount: 0.5,
      stages: 1,
      persistence: 1.75,
      // As the correlator records it (libs/correlation recomputeSeverity): mmd weighed by its verdicts on D1.
      detectorWeights: [
        { detector: 'mmd', weight: 0.5, benign: 3, deceptive: 1, subjects: [{ kind: 'dataset', id: 'D1' }] },
      ],
    },
    createdAt: at(10),
    alerts: [
      alert('a1', 'data', 'mmd', D1, 1),
      alert('a2', 'signals', 'cusum', R1, 5),
      alert('a3', 'data', 'mmd', D1, 8),
    ],
  },
  {
    id: 'INC-B',
    status: 'open',
    severity: 5.25,
    createdAt: at(20),
    alerts: [alert('b1', 'representations', 'mahalanobis', M1, 15)],
  },
  {
    id: 'INC-C',
    status: 'resolved',
    severity: 8,
    createdAt: at(30),
    alerts: [alert('c1', 'data', 'mmd', D1, 25)],
  },
];
const FILLER: SeedIncident[] = Array.from({ length: 37 }, (_, i) => ({
  id: `INC-F${String(i).padStart(2, '0')}`,
  status: 'open' as const,
  // Repeated severities and creation times: ties must be broken by id, not lost or repeated.
  severity: 1 + (i % 5),
  createdAt: at(100 + Math.floor(i / 3)),
  alerts: [alert(`f${i}`, 'representations', 'pca-residual', M2, 90 + i)],
}));
const ALL = [...STORY, ...FILLER];

const MUTATIONS: { name: string; role: 'triager' | 'admin'; query: string }[] = [
  {
    name: 'acknowledgeIncident',
    role: 'triager',
    query: 'mutation { acknowledgeIncident(id: "INC-B") { id } }',
  },
  {
    name: 'assignIncident',
    role: 'triager',
    query: 'mutation { assignIncident(id: "INC-B", assignee: "bob") { id } }',
  },
  {
    name: 'setVerdict',
    role: 'triager',
    query: 'mutation { setVerdict(id: "INC-B", verdict: BENIGN) { id } }',
  },
  { name: 'addComment', role: 'triager', query: 'mutation { addComment(id: "INC-B", body: "hi") { id } }' },
  { name: 'resolveIncident', role: 'triager', query: 'mutation { resolveIncident(id: "INC-B") { id } }' },
  { name: 'reopenIncident', role: 'triager', query: 'mutation { reopenIncident(id: "INC-C") { id } }' },
  {
    name: 'createSilence',
    role: 'triager',
    query:
      'mutation { createSilence(input: { detector: "mmd", endsAt: "2099-01-01T00:00:00Z", comment: "x" }) { id } }',
  },
  {
    name: 'expireSilence',
    role: 'triager',
    query: 'mutation { expireSilence(id: "00000000-0000-0000-0000-000000000000") { id } }',
  },
  {
    name: 'registerArtifact',
    role: 'admin',
    query: 'mutation { registerArtifact(input: { kind: MODEL, id: "X" }) { id } }',
  },
  {
    name: 'linkArtifacts',
    role: 'admin',
    query:
      'mutation { linkArtifacts(input: { from: { kind: MODEL, id: "X" }, to: { kind: DATASET, id: "Y" }, relation: GENERATED }) { eventId } }',
  },
  {
    name: 'refitBaseline',
    role: 'admin',
    query: 'mutation { refitBaseline(input: { subject: { kind: MODEL, id: "X" } }) { eventId } }',
  },
];

describe('GraphQL API (real PostgreSQL and Kafka)', () => {
  let scratch: ScratchDatabase;
  let dataSource: DataSource;
  let bus: KafkaBus;
  let app: INestApplication;
  let url: string;
  let wsUrl: string;
  const keys = { viewer: '', triager: '', admin: '', revoked: '' };
  let watcher: Subscription;
  const published: { lineage: LineageEdge[]; commands: BaselineCommand[] } = { lineage: [], commands: [] };
  const wsClients: Client[] = [];

  const gql = <T = Record<string, unknown>>(
    query: string,
    variables: Record<string, unknown> = {},
    key: string | null = keys.viewer,
  ): Promise<GraphqlResponse<T>> => postGraphql<T>(url, query, variables, key ?? undefined);
  const codeOf = (response: GraphqlResponse): unknown => response.errors?.[0]?.extensions?.code;

  beforeAll(async () => {
    const env = integrationEnv();
    scratch = await createScratchDatabase(env.databaseUrl, 'api_test');
    dataSource = await createDataSource(scratch.url, { poolSize: 8 }).initialize();
    await dataSource.runMigrations();
    bus = new KafkaBus({ brokers: env.kafkaBrokers, clientId: `api-test-${RUN}` });
    await bus.ensureTopics(['damon.incidents', 'damon.lineage', 'damon.commands']);
    watcher = await bus.subscribe({
      group: `api-test-watch-${RUN}`,
      topics: ['damon.lineage', 'damon.commands'],
      fromBeginning: false,
      handler: (m) => {
        if (m.topic === 'damon.lineage') published.lineage.push(m.value as LineageEdge);
        else published.commands.push(m.value as BaselineCommand);
        return Promise.resolve();
      },
    });
    app = await createApiApplication({
      dataSource,
      bus,
      // Exact counts right after each write (the default reuses a count for 1 s).
      settings: { ...DEFAULT_API_SETTINGS, corsOrigins: ['https://console.example.org'], countCacheMs: 0 },
      logger: false,
    });
    await app.listen(0, '127.0.0.1');
    const port = (app.getHttpServer() as { address(): AddressInfo }).address().port;
    url = `http://127.0.0.1:${port}/graphql`;
    wsUrl = `ws://127.0.0.1:${port}/graphql`;
    const apiKeys = new ApiKeyService(dataSource);
    keys.viewer = (await apiKeys.create('viewer', 'vera')).key;
    keys.triager = (await apiKeys.create('triager', 'tom')).key;
    keys.admin = (await apiKeys.create('admin', 'ada')).key;
    const revoked = await apiKeys.create('admin', 'gone');
    keys.revoked = revoked.key;
    await apiKeys.revoke(revoked.row.id);
    await seedLineage(dataSource, [
      { from: D1, to: R1, relation: 'trained' },
      { from: R1, to: M1, relation: 'produced' },
      { from: M2, to: D1, relation: 'generated' },
    ]);
    await seedIncidents(dataSource, ALL);
  });

  afterAll(async () => {
    for (const client of wsClients) await client.dispose();
    await watcher?.stop();
    await app?.close();
    await bus?.close();
    await dataSource?.destroy();
    await scratch?.drop();
  });

  it('serves the committed schema', () => {
    const served = printSchema(lexicographicSortSchema(app.get(GraphQLSchemaHost).schema));
    expect(`${served}\n`).toBe(readFileSync(resolve(__dirname, '../schema.gql'), 'utf8'));
  });

  describe('authentication and roles', () => {
    it('answers a missing, malformed or revoked key with UNAUTHENTICATED and a valid one with data', async () => {
      for (const key of [null, 'nonsense', `${keys.viewer.slice(0, -2)}xx`, keys.revoked]) {
        const response = await gql('{ incidents { totalCount } }', {}, key);
        expect(codeOf(response)).toBe('UNAUTHENTICATED');
        expect(response.status).toBe(401);
        expect(response.data ?? null).toBeNull();
      }
      expect(
        (await gql<{ incidents: { totalCount: number } }>('{ incidents { totalCount } }')).data?.incidents
          .totalCount,
      ).toBe(ALL.length);
    });

    it.each(MUTATIONS)(
      '$name is refused without a key, for a viewer, and below its role',
      async ({ query, role }) => {
        const before: unknown = await dataSource.query(
          `SELECT (SELECT count(*) FROM incident_timeline) + (SELECT count(*) FROM api_audit_log) AS n`,
        );
        expect(codeOf(await gql(query, {}, null))).toBe('UNAUTHENTICATED');
        expect(codeOf(await gql(query, {}, keys.viewer))).toBe('FORBIDDEN');
        if (role === 'admin') expect(codeOf(await gql(query, {}, keys.triager))).toBe('FORBIDDEN');
        const after: unknown = await dataSource.query(
          `SELECT (SELECT count(*) FROM incident_timeline) + (SELECT count(*) FROM api_audit_log) AS n`,
        );
        expect(after).toEqual(before);
      },
    );

    it('hides people’s names and the key list from viewers', async () => {
      const viewer = await gql('{ incident(id: "INC-A") { timeline { kind actor } } }');
      expect(codeOf(viewer)).toBe('FORBIDDEN');
      expect(codeOf(await gql('{ silences { id author } }'))).toBeUndefined(); // empty list: nothing to hide yet
      expect(codeOf(await gql('{ apiKeys { id } }'))).toBe('FORBIDDEN');
      expect(codeOf(await gql('{ apiKeys { id } }', {}, keys.triager))).toBe('FORBIDDEN');
      const admin = await gql<{ apiKeys: { name: string; role: string; revokedAt: string | null }[] }>(
        '{ apiKeys { name role revokedAt } }',
        {},
        keys.admin,
      );
      expect(admin.data?.apiKeys.map((k) => [k.name, k.role, k.revokedAt !== null])).toEqual([
        ['vera', 'VIEWER', false],
        ['tom', 'TRIAGER', false],
        ['ada', 'ADMIN', false],
        ['gone', 'ADMIN', true],
      ]);
      expect(admin.raw).not.toMatch(/secret|hash/i);
      const triager = await gql<{ incident: { timeline: { actor: string }[] } }>(
        '{ incident(id: "INC-A") { timeline { actor } } }',
        {},
        keys.triager,
      );
      expect(triager.data?.incident.timeline.map((e) => e.actor)).toEqual(['correlator']);
    });
  });

  describe('queries', () => {
    type Page = {
      incidents: {
        totalCount: number;
        edges: { cursor: string; node: { id: string } }[];
        pageInfo: { endCursor: string | null; hasNextPage: boolean };
      };
    };
    const LIST = `query($filter: IncidentFilter, $orderBy: IncidentOrder, $first: Int, $after: String) {
      incidents(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
        totalCount edges { cursor node { id } } pageInfo { endCursor hasNextPage } } }`;
    const ids = async (filter: Record<string, unknown>): Promise<string[]> => {
      const response = await gql<Page>(LIST, { filter, first: 100 });
      expect(response.errors).toBeUndefined();
      expect(response.data!.incidents.totalCount).toBe(response.data!.incidents.edges.length);
      return response.data!.incidents.edges.map((e) => e.node.id).sort();
    };
    const expected = (keep: (i: SeedIncident) => boolean): string[] =>
      ALL.filter(keep)
        .map((i) => i.id)
        .sort();

    it('filters incidents by every criterion', async () => {
      expect(await ids({ status: ['RESOLVED'] })).toEqual(['INC-C']);
      expect(await ids({ severityMin: 5 })).toEqual(expected((i) => i.severity >= 5));
      expect(await ids({ stages: ['DATA', 'SIGNALS'] })).toEqual(['INC-A']);
      expect(await ids({ stages: ['DATA'] })).toEqual(['INC-A', 'INC-C']);
      expect(await ids({ subject: { kind: 'DATASET', id: 'D1' } })).toEqual(['INC-A', 'INC-C']);
      expect(await ids({ detector: 'mahalanobis' })).toEqual(['INC-B']);
      expect(await ids({ from: at(14).toISOString(), to: at(26).toISOString() })).toEqual(['INC-B', 'INC-C']);
      expect(await ids({ status: ['OPEN'], detector: 'mmd' })).toEqual(['INC-A']);
    });

    it('orders by severity with ties broken by id', async () => {
      const response = await gql<Page>(LIST, { orderBy: 'SEVERITY_DESC', first: 5 });
      const order = [...ALL]
        .sort((a, b) => b.severity - a.severity || (a.id < b.id ? 1 : -1))
        .slice(0, 5)
        .map((i) => i.id);
      expect(response.data!.incidents.edges.map((e) => e.node.id)).toEqual(order);
    });

    it('returns an incident with alerts by stage, timeline, lineage and subjects', async () => {
      const response = await gql<{
        incident: {
          status: string;
          stages: string[];
          subjects: { kind: string; id: string }[];
          alertsByStage: {
            stage: string;
            alertCount: number;
            alerts: { alertId: string; detector: string; evidence: unknown; incident: { id: string } }[];
          }[];
          timeline: { kind: string }[];
          lineage: {
            nodes: { kind: string; id: string }[];
            edges: { from: { id: string }; to: { id: string }; relation: string }[];
          };
        };
      }>(`{ incident(id: "INC-A") { status stages subjects { kind id }
            alertsByStage(first: 1) { stage alertCount alerts { alertId detector evidence incident { id } } }
            timeline { kind } lineage(hops: 1) { nodes { kind id } edges { from { id } to { id } relation } } } }`);
      expect(response.errors).toBeUndefined();
      const incident = response.data!.incident;
      expect(incident.status).toBe('OPEN');
      expect(incident.stages).toEqual(['DATA', 'SIGNALS']);
      expect(incident.subjects).toEqual([
        { kind: 'DATASET', id: 'D1' },
        { kind: 'RUN', id: 'R1' },
      ]);
      expect(
        incident.alertsByStage.map((g) => [g.stage, g.alertCount, g.alerts.map((a) => a.alertId)]),
      ).toEqual([
        ['DATA', 2, ['a3']],
        ['SIGNALS', 1, ['a2']],
      ]);
      expect(incident.alertsByStage[0].alerts[0].evidence).toEqual({ statistic: 1.5 });
      expect(incident.alertsByStage[0].alerts[0].incident.id).toBe('INC-A');
      expect(incident.timeline.map((e) => e.kind)).toEqual(['opened']);
      // One hop from D1 and R1: M2 (generated D1) and M1 (produced by R1).
      expect(incident.lineage.nodes.map((n) => n.id).sort()).toEqual(['D1', 'M1', 'M2', 'R1']);
      expect(incident.lineage.edges.map((e) => `${e.from.id}-${e.relation}-${e.to.id}`).sort()).toEqual([
        'D1-TRAINED-R1',
        'M2-GENERATED-D1',
        'R1-PRODUCED-M1',
      ]);
      expect((await gql<{ incident: null }>('{ incident(id: "nope") { id } }')).data?.incident).toBeNull();
    });

    it('explains severity by its terms, and says null where an incident has none recorded', async () => {
      const terms =
        '{ evidence flaggedCount stages persistence detectorWeights { detector weight benign deceptive subjects { kind id } } }';
      const response = await gql<{
        a: { severity: number; severityTerms: Record<string, unknown> };
        b: { severityTerms: null };
      }>(
        `{ a: incident(id: "INC-A") { severity severityTerms ${terms} } b: incident(id: "INC-B") { severityTerms ${terms} } }`,
      );
      expect(response.errors).toBeUndefined();
      expect(response.data!.a.severityTerms).toEqual({
        evidence: 9.25,
        flaggedCount: 0.5,
        stages: 1,
        persistence: 1.75,
        detectorWeights: [
          {
            detector: 'mmd',
            weight: 0.5,
            benign: 3,
            deceptive: 1,
            subjects: [{ kind: 'DATASET', id: 'D1' }],
          },
        ],
      });
      expect(response.data!.b.severityTerms).toBeNull();
    });

    it('lists alerts with filters and pages, and artifacts with their incidents and neighbours', async () => {
      const alerts = await gql<{
        alerts: {
          totalCount: number;
          edges: { node: { alertId: string } }[];
          pageInfo: { endCursor: string };
        };
      }>(
        `query($after: String) { alerts(filter: { detector: "mmd", subject: { kind: DATASET, id: "D1" } }, first: 2, after: $after) {
           totalCount edges { node { alertId } } pageInfo { endCursor } } }`,
      );
      expect(alerts.data!.alerts.totalCount).toBe(3);
      expect(alerts.data!.alerts.edges.map((e) => e.node.alertId)).toEqual(['c1', 'a3']);
      const next = await gql<{ alerts: { edges: { node: { alertId: string } }[] } }>(
        `query($after: String) { alerts(filter: { detector: "mmd" }, first: 2, after: $after) { edges { node { alertId } } } }`,
        { after: alerts.data!.alerts.pageInfo.endCursor },
      );
      expect(next.data!.alerts.edges.map((e) => e.node.alertId)).toEqual(['a1']);

      const artifacts = await gql<{
        artifacts: {
          totalCount: number;
          edges: { node: { kind: string; id: string; incidents: { id: string }[] } }[];
        };
      }>(
        '{ artifacts(filter: { kind: MODEL }) { totalCount edges { node { kind id incidents(first: 2) { id } } } } }',
      );
      expect(
        artifacts.data!.artifacts.edges.map((e) => [e.node.id, e.node.incidents.map((i) => i.id)]),
      ).toEqual([
        ['M1', ['INC-B']],
        ['M2', ['INC-F36', 'INC-F35']],
      ]);
      const artifact = await gql<{
        artifact: { lineage: { nodes: { id: string }[] }; incidents: { id: string }[] };
      }>('{ artifact(kind: RUN, id: "R1") { lineage { nodes { id } } incidents { id } } }');
      expect(artifact.data!.artifact.lineage.nodes.map((n) => n.id).sort()).toEqual(['D1', 'M1', 'R1']);
      expect(artifact.data!.artifact.incidents.map((i) => i.id)).toEqual(['INC-A']);
    });

    it('reads a page of incidents with their subjects in one query (primed into the subjects DataLoader)', async () => {
      type Subjects = { kind: string; id: string }[];
      const original = dataSource.query.bind(dataSource);
      let queries = 0;
      dataSource.query = ((...args: Parameters<DataSource['query']>) => {
        queries += 1;
        return original(...args);
      }) as DataSource['query'];
      let edges: { node: { id: string; subjects: Subjects } }[];
      try {
        const response = await gql<{ incidents: { edges: typeof edges } }>(
          '{ incidents(first: 40) { edges { node { id subjects { kind id } } } } }',
        );
        edges = response.data!.incidents.edges;
      } finally {
        dataSource.query = original;
      }
      // The key lookup goes through the repository (not counted here); the page brings its subjects.
      expect(queries).toBe(1);
      expect(edges).toHaveLength(40);
      // The same subjects as the loader's own query (the detail view's path) reads.
      for (const { node } of edges.slice(0, 5)) {
        const detail = await gql<{ incident: { subjects: Subjects } }>(
          'query($id: ID!) { incident(id: $id) { subjects { kind id } } }',
          { id: node.id },
        );
        expect(node.subjects.length).toBeGreaterThan(0);
        expect(node.subjects).toEqual(detail.data!.incident.subjects);
      }
    });

    it('pages without duplicates or gaps while new incidents arrive', async () => {
      for (const orderBy of ['CREATED_AT_DESC', 'SEVERITY_DESC', 'LAST_ALERT_AT_DESC']) {
        const before = new Set((await ids({})).values());
        const seen: string[] = [];
        let after: string | null = null;
        let page = 0;
        do {
          const response: GraphqlResponse<Page> = await gql<Page>(LIST, { orderBy, first: 7, after });
          expect(response.errors).toBeUndefined();
          seen.push(...response.data!.incidents.edges.map((e) => e.node.id));
          after = response.data!.incidents.pageInfo.hasNextPage
            ? response.data!.incidents.pageInfo.endCursor
            : null;
          // Inserted between pages, with sort keys before, among and after the ones already read.
          await seedIncidents(dataSource, [
            {
              id: `NEW-${orderBy}-${page}`,
              status: 'open',
              severity: page % 2 ? 100 : 0.5,
              createdAt: at(200 - page * 40),
              alerts: [alert(`n-${orderBy}-${page}`, 'data', 'new', D1, 50 + page * 20)],
            },
          ]);
          page += 1;
        } while (after);
        expect(new Set(seen).size).toBe(seen.length);
        for (const id of before) expect(seen).toContain(id);
      }
    });
  });

  describe('mutations', () => {
    it('acknowledges, assigns, sets verdicts, comments, resolves and reopens, each audited with its actor', async () => {
      const TRIAGE =
        'id status triage { acknowledged acknowledgedBy assignee verdict verdictNote verdictBy }';
      const t = keys.triager;
      const ack = await gql<{
        acknowledgeIncident: { triage: { acknowledged: boolean; acknowledgedBy: string } };
      }>(`mutation { acknowledgeIncident(id: "INC-A") { ${TRIAGE} } }`, {}, t);
      expect(ack.data!.acknowledgeIncident.triage).toMatchObject({
        acknowledged: true,
        acknowledgedBy: 'tom',
      });
      const assign = await gql<{ assignIncident: { triage: { assignee: string } } }>(
        `mutation { assignIncident(id: "INC-A", assignee: "alice") { ${TRIAGE} } }`,
        {},
        t,
      );
      expect(assign.data!.assignIncident.triage.assignee).toBe('alice');
      const verdict = await gql<{
        setVerdict: { triage: { verdict: string; verdictNote: string; verdictBy: string } };
      }>(
        `mutation { setVerdict(id: "INC-A", verdict: DECEPTIVE, note: "reward hacking") { ${TRIAGE} } }`,
        {},
        t,
      );
      expect(verdict.data!.setVerdict.triage).toMatchObject({
        verdict: 'DECEPTIVE',
        verdictNote: 'reward hacking',
        verdictBy: 'tom',
      });
      await gql(`mutation { setVerdict(id: "INC-C", verdict: BENIGN) { id } }`, {}, t);
      const comment = await gql<{ addComment: { body: string; author: string } }>(
        'mutation { addComment(id: "INC-A", body: "looking") { body author } }',
        {},
        t,
      );
      expect(comment.data!.addComment).toEqual({ body: 'looking', author: 'tom' });
      const resolved = await gql<{ resolveIncident: { status: string } }>(
        'mutation { resolveIncident(id: "INC-A", comment: "done") { status } }',
        {},
        t,
      );
      expect(resolved.data!.resolveIncident.status).toBe('RESOLVED');
      expect(codeOf(await gql('mutation { resolveIncident(id: "INC-A") { id } }', {}, t))).toBe('CONFLICT');
      const reopened = await gql<{ reopenIncident: { status: string } }>(
        'mutation { reopenIncident(id: "INC-A") { status } }',
        {},
        t,
      );
      expect(reopened.data!.reopenIncident.status).toBe('OPEN');
      expect(codeOf(await gql('mutation { acknowledgeIncident(id: "missing") { id } }', {}, t))).toBe(
        'NOT_FOUND',
      );

      const detail = await gql<{
        incident: {
          triageHistory: { kind: string; actor: string }[];
          comments: { body: string; author: string }[];
        };
      }>('{ incident(id: "INC-A") { triageHistory { kind actor } comments { body author } } }', {}, t);
      expect(detail.data!.incident.triageHistory.map((e) => `${e.kind}:${e.actor}`)).toEqual([
        'acknowledged:tom',
        'assigned:tom',
        'verdict:tom',
        'comment:tom',
        'resolved:tom',
        'reopened:tom',
      ]);
      expect(detail.data!.incident.comments).toEqual([{ body: 'looking', author: 'tom' }]);
      const filtered = await gql<{ incidents: { edges: { node: { id: string } }[] } }>(
        '{ incidents(filter: { verdict: [DECEPTIVE, BENIGN] }) { edges { node { id } } } }',
      );
      expect(filtered.data!.incidents.edges.map((e) => e.node.id).sort()).toEqual(['INC-A', 'INC-C']);
    });

    it('computes detector precision from verdicts, the same numbers as the view monitors read', async () => {
      const response = await gql<{
        detectorStats: {
          detector: string;
          subject: { id: string };
          alertCount: number;
          incidentCount: number;
          deceptive: number;
          benign: number;
          precision: number | null;
        }[];
      }>(
        '{ detectorStats(filter: { subject: { kind: DATASET, id: "D1" } }) { detector subject { id } alertCount incidentCount deceptive benign precision } }',
      );
      const byDetector = Object.fromEntries(response.data!.detectorStats.map((s) => [s.detector, s]));
      // mmd on D1: alerts a1, a3 (INC-A, deceptive) and c1 (INC-C, benign) → 1 / (1 + 1).
      expect(byDetector.mmd).toMatchObject({
        alertCount: 3,
        incidentCount: 2,
        deceptive: 1,
        benign: 1,
        precision: 0.5,
      });
      const all = await gql<{ detectorStats: { detector: string; precision: number | null }[] }>(
        '{ detectorStats { detector precision } }',
      );
      const precision = Object.fromEntries(all.data!.detectorStats.map((s) => [s.detector, s.precision]));
      expect(precision.cusum).toBe(1);
      expect(precision.mahalanobis).toBeNull();
      const view = await dataSource.query<{ detector: string; precision: number }[]>(
        `SELECT detector, precision FROM detector_precision WHERE subject_id = 'D1'`,
      );
      expect(view).toEqual([{ detector: 'mmd', precision: 0.5 }]);
    });

    it('creates and expires silences, audited in api_audit_log', async () => {
      const created = await gql<{
        createSilence: { id: string; active: boolean; author: string; detector: string };
      }>(
        'mutation { createSilence(input: { detector: "mmd", stage: DATA, endsAt: "2099-01-01T00:00:00Z", comment: "known drift" }) { id active author detector } }',
        {},
        keys.triager,
      );
      expect(created.data!.createSilence).toMatchObject({ active: true, author: 'tom', detector: 'mmd' });
      const id = created.data!.createSilence.id;
      const active = await gql<{ silences: { id: string }[] }>('{ silences(active: true) { id } }');
      expect(active.data!.silences.map((s) => s.id)).toEqual([id]);
      expect(codeOf(await gql('{ silences { author } }'))).toBe('FORBIDDEN');
      const expired = await gql<{ expireSilence: { active: boolean } }>(
        `mutation { expireSilence(id: "${id}") { active } }`,
        {},
        keys.triager,
      );
      expect(expired.errors).toBeUndefined();
      expect(expired.data!.expireSilence.active).toBe(false);
      expect(
        codeOf(
          await gql(
            'mutation { createSilence(input: { endsAt: "2099-01-01T00:00:00Z", comment: "x" }) { id } }',
            {},
            keys.triager,
          ),
        ),
      ).toBe('BAD_USER_INPUT');
      const audit = await dataSource.query<unknown[]>(
        `SELECT actor, action FROM api_audit_log WHERE target_id = $1 ORDER BY seq`,
        [id],
      );
      expect(audit).toEqual([
        { actor: 'tom', action: 'createSilence' },
        { actor: 'tom', action: 'expireSilence' },
      ]);
    });

    it('registers artifacts, publishes LineageEdge and BaselineCommand events to Kafka, audited', async () => {
      const registered = await gql<{ registerArtifact: { kind: string; id: string } }>(
        'mutation { registerArtifact(input: { kind: MODEL, id: "M9" }) { kind id } }',
        {},
        keys.admin,
      );
      expect(registered.data!.registerArtifact).toEqual({ kind: 'MODEL', id: 'M9' });
      expect(
        (await gql<{ artifact: { id: string } }>('{ artifact(kind: MODEL, id: "M9") { id } }')).data!.artifact
          .id,
      ).toBe('M9');
      const link = await gql<{ linkArtifacts: { eventId: string } }>(
        'mutation { linkArtifacts(input: { from: { kind: MODEL, id: "M9" }, to: { kind: DATASET, id: "D9" }, relation: GENERATED }) { eventId } }',
        {},
        keys.admin,
      );
      const refit = await gql<{ refitBaseline: { eventId: string } }>(
        'mutation { refitBaseline(input: { subject: { kind: MODEL, id: "M9" }, stage: REPRESENTATIONS }) { eventId } }',
        {},
        keys.admin,
      );
      const self = await gql(
        'mutation { linkArtifacts(input: { from: { kind: MODEL, id: "M9" }, to: { kind: MODEL, id: "M9" }, relation: EDITED }) { eventId } }',
        {},
        keys.admin,
      );
      expect(codeOf(self)).toBe('BAD_USER_INPUT');
      await expect
        .poll(() => published.lineage.length + published.commands.length, { timeout: 30_000 })
        .toBeGreaterThanOrEqual(2);
      expect(published.lineage).toEqual([
        expect.objectContaining({
          eventId: link.data!.linkArtifacts.eventId,
          from: { kind: 'model', id: 'M9' },
          to: { kind: 'dataset', id: 'D9' },
          relation: 'generated',
        }),
      ]);
      expect(published.commands).toEqual([
        expect.objectContaining({
          eventId: refit.data!.refitBaseline.eventId,
          command: 'baseline.refit',
          stage: 'representations',
          requestedBy: 'ada',
        }),
      ]);
      const audit = await dataSource.query<unknown[]>(
        `SELECT actor, action FROM api_audit_log WHERE action IN ('registerArtifact', 'linkArtifacts', 'refitBaseline') ORDER BY seq`,
      );
      expect(audit).toEqual([
        { actor: 'ada', action: 'registerArtifact' },
        { actor: 'ada', action: 'linkArtifacts' },
        { actor: 'ada', action: 'refitBaseline' },
      ]);
    });
  });

  describe('subscriptions over graphql-ws', () => {
    function subscribe<T>(
      query: string,
      key: string | undefined,
    ): { next: Promise<T>; error: Promise<unknown>; ready: () => Promise<void> } {
      const live = app.get(IncidentFeed).listenerCount;
      const client = createClient({
        url: wsUrl,
        webSocketImpl: WebSocket,
        connectionParams: key ? { authorization: `Bearer ${key}` } : {},
        retryAttempts: 0,
      });
      wsClients.push(client);
      let onNext!: (value: T) => void;
      let onError!: (error: unknown) => void;
      const next = new Promise<T>((done) => (onNext = done));
      const error = new Promise<unknown>((done) => (onError = done));
      client.subscribe<T>(
        { query },
        {
          next: (result) => (result.errors ? onError(result.errors) : onNext(result.data as T)),
          error: onError,
          complete: () => undefined,
        },
      );
      return { next, error, ready: () => subscribed(live + 1) };
    }

    /** Resolves once this API instance's feed holds `count` live subscriptions. */
    async function subscribed(count: number): Promise<void> {
      const feed = app.get(IncidentFeed);
      for (let waited = 0; feed.listenerCount < count; waited += 20) {
        if (waited > 10_000) throw new Error(`${feed.listenerCount} of ${count} subscriptions registered`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }

    it('delivers a new incident published on damon.incidents', async () => {
      const opened = subscribe<{
        incidentOpened: {
          incidentId: string;
          change: string;
          severity: number;
          subjects: { id: string }[];
          incident: { id: string; status: string };
        };
      }>(
        'subscription { incidentOpened(severityMin: 3) { incidentId change severity subjects { id } incident { id status } } }',
        keys.viewer,
      );
      // Events before the subscription registered are not replayed: wait until the feed holds it.
      await opened.ready();
      const event = (id: string, severity: number): IncidentEvent => ({
        eventId: `${id}:v1:opened:${RUN}`,
        schemaVersion: 1,
        occurredAt: new Date().toISOString(),
        subject: { kind: 'incident', id },
        change: 'opened',
        severity,
        stages: ['data'],
        subjects: [D1],
        alertIds: ['a1'],
      });
      await bus.publish('damon.incidents', event('INC-LOW', 1)); // below severityMin: filtered out
      await bus.publish('damon.incidents', event('INC-B', 5.25));
      const received = await opened.next;
      expect(received.incidentOpened).toEqual({
        incidentId: 'INC-B',
        change: 'OPENED',
        severity: 5.25,
        subjects: [{ id: 'D1' }],
        incident: { id: 'INC-B', status: 'OPEN' },
      });
    });

    it('delivers the update a resolveIncident mutation publishes through the outbox', async () => {
      const updated = subscribe<{ incidentUpdated: { incidentId: string; change: string } }>(
        'subscription { incidentUpdated(id: "INC-B") { incidentId change } }',
        keys.viewer,
      );
      await updated.ready();
      await gql('mutation { resolveIncident(id: "INC-B") { id } }', {}, keys.triager);
      expect((await updated.next).incidentUpdated).toEqual({ incidentId: 'INC-B', change: 'RESOLVED' });
      const outbox = await dataSource.query<unknown[]>(
        `SELECT event_id, published_at IS NOT NULL AS published FROM incident_outbox WHERE incident_id = 'INC-B'`,
      );
      expect(outbox).toEqual([{ event_id: 'INC-B:v2:resolved', published: true }]);
    });

    it('refuses a subscription without a key', async () => {
      const refused = subscribe('subscription { incidentOpened { incidentId } }', undefined);
      const errors = (await refused.error) as { extensions?: { code?: string } }[];
      expect(errors[0].extensions?.code).toBe('UNAUTHENTICATED');
    });
  });

  describe('hostile input', () => {
    it('rejects deep and expensive queries before running them', async () => {
      let nested = 'id';
      for (let i = 0; i < 8; i++) nested = `alertsByStage { alerts { incident { ${nested} } } }`;
      const deep = await gql(`{ incident(id: "INC-A") { ${nested} } }`);
      expect(codeOf(deep)).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(deep.errors![0].message).toMatch(/depth \d+ exceeds the limit of 10/);
      const wide = await gql(
        '{ incidents(first: 100) { edges { node { alertsByStage(first: 100) { alerts { alertId detector } } } } } }',
      );
      expect(wide.errors![0].message).toMatch(/complexity exceeds the limit of 5000/);
    });

    it('caps page sizes and validates inputs with BAD_USER_INPUT naming the field', async () => {
      const huge = await gql('{ incidents(first: 1000) { totalCount } }');
      expect(huge.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
      const negative = await gql('{ alerts(first: -1) { totalCount } }');
      expect(negative.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
      expect(codeOf(await gql('{ incidents(first: 99999999999) { totalCount } }'))).toBe(
        'GRAPHQL_VALIDATION_FAILED',
      );
      const cursor = await gql('{ incidents(after: "not-a-cursor") { totalCount } }');
      expect(cursor.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
      const nul = await gql('query($f: IncidentFilter) { incidents(filter: $f) { totalCount } }', {
        f: { subject: { kind: 'MODEL', id: 'a\u0000b' } },
      });
      expect(nul.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.subject.id' });
      const range = await gql(
        '{ incidents(filter: { from: "2026-03-02T00:00:00Z", to: "2026-03-01T00:00:00Z" }) { totalCount } }',
      );
      expect(range.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.to' });
      expect(codeOf(await gql('{ incidents(filter: { from: "yesterday" }) { totalCount } }'))).toMatch(
        /BAD_USER_INPUT|GRAPHQL_VALIDATION_FAILED/,
      );
    });

    it('treats injection strings in filters as plain values', async () => {
      const injections = [
        "x' OR '1'='1",
        "'; DROP TABLE incidents; --",
        'mmd" OR 1=1 --',
        '%',
        '\\',
        "INC-A' UNION SELECT * FROM api_keys --",
      ];
      for (const text of injections) {
        const response = await gql<{
          incidents: { totalCount: number };
          alerts: { totalCount: number };
          artifacts: { totalCount: number };
        }>(
          `query($t: String!) { incidents(filter: { detector: $t, subject: { kind: MODEL, id: $t } }) { totalCount }
             alerts(filter: { detector: $t, incidentId: $t }) { totalCount } artifacts(filter: { idPrefix: $t }) { totalCount } }`,
          { t: text },
        );
        expect(response.errors).toBeUndefined();
        expect(response.data).toEqual({
          incidents: { totalCount: 0 },
          alerts: { totalCount: 0 },
          artifacts: { totalCount: 0 },
        });
      }
      expect(
        (await gql<{ incidents: { totalCount: number } }>('{ incidents { totalCount } }')).data!.incidents
          .totalCount,
      ).toBeGreaterThanOrEqual(ALL.length);
    });

    it('sends no stack traces and configures CORS from the settings', async () => {
      const responses = [
        await gql('{ incidents(first: 1000) { totalCount } }'),
        await gql('{ nope }'),
        await gql('{ incidents { totalCount } }', {}, 'bad'),
      ];
      for (const response of responses) expect(response.raw).not.toMatch(/stacktrace|\n\s+at |\.ts:\d+/);
      const preflight = (origin: string) =>
        fetch(url, {
          method: 'OPTIONS',
          headers: {
            origin,
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'content-type,authorization',
          },
        });
      expect(
        (await preflight('https://console.example.org')).headers.get('access-control-allow-origin'),
      ).toBe('https://console.example.org');
      expect(
        (await preflight('https://evil.example.com')).headers.get('access-control-allow-origin'),
      ).toBeNull();
    });
  });
});
