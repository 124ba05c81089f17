import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LineageEdge, StageAlert } from '@damon/contracts';
import { lineageChain, stageAlertAt } from '@damon/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { ensureConsoleBuild } from './console-build';
import { launchChromium, screenshot, seriousA11yViolations } from './console-browser';
import { ConsoleStack } from './console-stack';

const stack = new ConsoleStack();
const T0 = Date.now() - 10 * 60_000;

/** One chain (dataset → run → model) with an alert per stage, each carrying the evidence its monitor emits. */
function incidentStream(): { edges: LineageEdge[]; alerts: StageAlert[]; subjects: string[] } {
  const chain = lineageChain(stack.run, 0, new Date(T0).toISOString());
  const histogram = { edges: [0, 1, 2, 3, 4, 5, 6], counts: [4, 18, 40, 26, 9, 3] };
  const alerts = [
    stageAlertAt(`${stack.run}-data`, chain.dataset, T0 + 1_000, {
      detector: 'mmd',
      score: 7.2,
      pValue: 0.0004,
      evidence: {
        mmd2: 0.18,
        bandwidth: 1.1,
        permutations: 500,
        referenceHistogram: { ...histogram, current: 7.2 },
      },
    }),
    stageAlertAt(`${stack.run}-signal`, chain.run, T0 + 2_000, {
      detector: 'page-hinkley',
      score: 12.5,
      pValue: 0.0002,
      evidence: {
        stream: 'reward',
        step: 120,
        changeStep: 104,
        referenceMean: 0.5,
        referenceSd: 0.05,
        recent: Array.from({ length: 40 }, (_, i) => ({
          step: 81 + i,
          value: 81 + i < 104 ? 0.5 + 0.02 * Math.sin(i) : 0.78 + 0.02 * Math.cos(i),
        })),
      },
    }),
    stageAlertAt(`${stack.run}-repr`, chain.model, T0 + 3_000, {
      detector: 'representation-fused',
      score: 31.4,
      pValue: 0.0001,
      evidence: {
        itemId: 'item-17',
        fusion: 'fisher',
        topLayers: [
          { detector: 'gaussian', layer: 'layer.12', score: 31.4, pValue: 0.0009 },
          { detector: 'gaussian', layer: 'layer.8', score: 12.2, pValue: 0.02 },
          { detector: 'propagation', layer: 'layer.4', score: 3.1, pValue: 0.4 },
        ],
        referenceHistogram: { detector: 'gaussian', layer: 'layer.12', ...histogram, current: 31.4 },
      },
    }),
  ];
  return { edges: chain.edges, alerts, subjects: [chain.dataset.id, chain.run.id, chain.model.id] };
}

/** What the page functions use of the browser's globals (this file is compiled without the DOM lib). */
interface BrowserGlobals {
  sessionStorage: { getItem(key: string): string | null };
}

interface GraphqlBody {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function graphql(
  key: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GraphqlBody> {
  const response = await fetch(`${stack.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphqlBody;
}

async function signIn(page: Page, key: string): Promise<void> {
  await page.goto(`${stack.url}/`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Incident queue' }).waitFor();
}

describe('operator console in Chromium against Kafka, PostgreSQL, the correlator and the API', () => {
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let alice: { key: string; id: string };
  let bob: { key: string; id: string };
  let viewer: { key: string; id: string };
  let consoleDir: string;
  let incidentId = '';
  let operator: Page;
  const stream = incidentStream();

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    contexts.push(context);
    return context.newPage();
  }

  beforeAll(async () => {
    consoleDir = ensureConsoleBuild();
    await stack.start(consoleDir);
    alice = await stack.key('triager', 'alice');
    bob = await stack.key('triager', 'bob');
    viewer = await stack.key('viewer', 'victor');
    browser = await launchChromium();
  });

  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await stack.stop();
  });

  it('serves the console and the API on one origin, with the SPA fallback only for pages', async () => {
    const page = await fetch(`${stack.url}/incidents/anything`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    const health = await fetch(`${stack.url}/healthz`, { headers: { accept: 'text/html' } });
    expect(await health.text()).not.toContain('<div id="root">');
    const metrics = await fetch(`${stack.url}/metrics`, { headers: { accept: 'text/html' } });
    expect(await metrics.text()).not.toContain('<div id="root">');
    const get = await fetch(`${stack.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(await get.text()).not.toContain('<div id="root">');
  });

  it('alerts published to Kafka become an incident that appears in an open queue without a reload', async () => {
    operator = await newPage();
    await signIn(operator, alice.key);
    await operator
      .getByText('No incidents match this view')
      .waitFor()
      .catch(async (e: unknown) => {
        throw new Error(`${String(e)}\npage:\n${await operator.locator('body').innerText()}`);
      });
    // A reload would lose this flag.
    await operator.evaluate(
      () => ((globalThis as unknown as { __sameDocument: boolean }).__sameDocument = true),
    );

    await stack.bus.publishMany('damon.lineage', stream.edges);
    // The correlator links alerts along lineage it has recorded: give the edges a head start.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const rows: unknown = await stack.dataSource.query(
        `SELECT count(*)::int AS n FROM lineage_edges WHERE from_id LIKE $1`,
        [`${stack.run}-%`],
      );
      if ((rows as { n: number }[])[0].n === stream.edges.length) break;
      if (Date.now() > deadline) throw new Error(`lineage not recorded:\n${stack.logs()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await stack.bus.publishMany('damon.alerts', stream.alerts);

    const row = operator.locator('tr[data-incident]').filter({ hasText: stream.subjects[2] });
    await row.waitFor({ timeout: 60_000 });
    incidentId = (await row.getAttribute('data-incident'))!;
    await expect
      .poll(() => row.locator('.chip').allTextContents(), { timeout: 30_000 })
      .toEqual(['data', 'signals', 'representations']);
    expect(
      await operator.evaluate(() => (globalThis as unknown as { __sameDocument?: boolean }).__sameDocument),
    ).toBe(true);
    for (const subject of stream.subjects) await expect(row.textContent()).resolves.toContain(subject);

    await screenshot(operator, 'queue');
    expect(await seriousA11yViolations(operator)).toEqual([]);
  });

  it('opens the incident by keyboard: evidence charts and the lineage graph with labelled edges', async () => {
    await operator.keyboard.press('j');
    await operator.keyboard.press('k');
    await operator.keyboard.press('Enter');
    await operator.waitForURL(`**/incidents/${incidentId}`);
    await operator.getByRole('heading', { name: incidentId }).waitFor();

    // One reference histogram each for the data and representation alerts, the reward series with its
    // change point, and the per-layer bars: drawn by ECharts on canvases.
    const charts = operator.locator('[data-chart]');
    await expect.poll(() => charts.count(), { timeout: 20_000 }).toBe(4);
    expect(await operator.locator('[data-chart] canvas').count()).toBe(4);
    const kinds = await Promise.all([0, 1, 2, 3].map((i) => charts.nth(i).getAttribute('data-chart')));
    expect(kinds.sort()).toEqual(['histogram', 'histogram', 'layers', 'series']);
    await operator.getByText('Training signal: reward').waitFor();

    const graph = operator.getByTestId('lineage-graph');
    await graph.locator('.react-flow__node').first().waitFor({ timeout: 20_000 });
    expect(await graph.locator('.react-flow__node').count()).toBe(3);
    expect((await graph.locator('.react-flow__edge-text').allTextContents()).sort()).toEqual([
      'produced',
      'trained',
    ]);
    // Every artifact of the chain carries one of the incident's alerts: all three highlighted.
    expect(await graph.locator('.react-flow__node.lg-alerting').count()).toBe(3);

    await screenshot(operator, 'incident', { fullPage: true });
    await screenshot(operator, 'lineage-graph', { selector: '[data-testid="lineage-graph"]' });
    expect(await seriousA11yViolations(operator)).toEqual([]);
  });

  it('is triaged by keyboard in the queue and by mouse on the incident page; GraphQL shows the verdict', async () => {
    await operator.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Queue' }).click();
    const row = operator.locator(`tr[data-incident="${incidentId}"]`);
    await row.waitFor();
    await row.click();

    await operator.keyboard.press('a');
    await row.getByText('✓ ack').waitFor({ timeout: 10_000 });

    await operator.keyboard.press('c');
    await operator.getByRole('dialog', { name: `Comment on ${incidentId}` }).waitFor();
    await operator.keyboard.type('reward jumps right after the drifted batch');
    await operator.keyboard.press('Tab');
    await operator.keyboard.press('Tab');
    await operator.keyboard.press('Enter');
    await operator.getByRole('dialog').waitFor({ state: 'detached' });

    await operator.keyboard.press('v');
    await operator.getByRole('dialog', { name: `Verdict for ${incidentId}` }).waitFor();
    await operator.keyboard.press('ArrowDown');
    await operator.keyboard.press('ArrowDown');
    await operator.keyboard.press('Tab');
    await operator.keyboard.type('first look');
    await operator.keyboard.press('Tab');
    await operator.keyboard.press('Tab');
    await operator.keyboard.press('Enter');
    await row.getByText('inconclusive').waitFor({ timeout: 10_000 });

    const byKeyboard = await graphql(
      alice.key,
      `
        query ($id: ID!) {
          incident(id: $id) {
            triage {
              acknowledged
              acknowledgedBy
              verdict
              verdictNote
            }
            comments {
              body
              author
            }
          }
        }
      `,
      { id: incidentId },
    );
    expect(byKeyboard.errors).toBeUndefined();
    expect(byKeyboard.data).toEqual({
      incident: {
        triage: {
          acknowledged: true,
          acknowledgedBy: 'alice',
          verdict: 'INCONCLUSIVE',
          verdictNote: 'first look',
        },
        comments: [{ body: 'reward jumps right after the drifted batch', author: 'alice' }],
      },
    });

    // By mouse, in the incident's triage panel.
    await row.getByRole('link', { name: incidentId }).click();
    await operator.getByTestId('triage-controls').waitFor();
    await operator.getByLabel('Assignee').fill('alice');
    await operator.getByRole('button', { name: 'Assign', exact: true }).click();
    await operator.getByText('Assigned to alice').waitFor();
    await operator.locator('.segmented label', { hasText: 'deceptive' }).click();
    await operator.getByLabel('Note').fill('reward hacking through curated data');
    await operator.getByRole('button', { name: 'Record verdict' }).click();
    await operator.getByTestId('current-verdict').getByText('deceptive').waitFor();
    await operator.getByTestId('triage-history').getByText('verdict').first().waitFor();

    const byMouse = await graphql(
      alice.key,
      `
        query ($id: ID!) {
          incident(id: $id) {
            triage {
              assignee
              verdict
              verdictBy
              verdictNote
            }
            triageHistory {
              kind
              actor
            }
          }
        }
      `,
      { id: incidentId },
    );
    expect(byMouse.errors).toBeUndefined();
    const incident = byMouse.data!.incident as {
      triage: Record<string, unknown>;
      triageHistory: { kind: string; actor: string }[];
    };
    expect(incident.triage).toEqual({
      assignee: 'alice',
      verdict: 'DECEPTIVE',
      verdictBy: 'alice',
      verdictNote: 'reward hacking through curated data',
    });
    expect(incident.triageHistory.map((h) => h.kind)).toEqual([
      'acknowledged',
      'comment',
      'verdict',
      'assigned',
      'verdict',
    ]);
    expect(new Set(incident.triageHistory.map((h) => h.actor))).toEqual(new Set(['alice']));
  });

  it('shows the API’s message when a mutation is refused', async () => {
    await operator.getByLabel('Comment').fill('x'.repeat(20_000));
    await operator.getByRole('button', { name: 'Add comment' }).click();
    const alert = operator.getByTestId('triage-controls').getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/at most \d+ characters/);
  });

  it('a second console sees the first one’s verdict live, within 2 seconds (a triage event on incidentUpdated)', async () => {
    const second = await newPage();
    await signIn(second, bob.key);
    await second.goto(`${stack.url}/incidents/${incidentId}`);
    await second.getByTestId('current-verdict').getByText('deceptive').waitFor();
    await second.evaluate(
      () => ((globalThis as unknown as { __sameDocument: boolean }).__sameDocument = true),
    );

    await operator.locator('.segmented label', { hasText: 'benign' }).click();
    await operator.getByLabel('Note').fill('explained by the new curation rule');
    await operator.getByRole('button', { name: 'Record verdict' }).click();
    const started = Date.now();
    await second.getByTestId('current-verdict').getByText('benign').waitFor({ timeout: 2_000 });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(
      await second.evaluate(() => (globalThis as unknown as { __sameDocument?: boolean }).__sameDocument),
    ).toBe(true);
  });

  it('a second console sees a resolution live (announced on incidentUpdated through the outbox)', async () => {
    const second = await newPage();
    await signIn(second, bob.key);
    await second.goto(`${stack.url}/incidents/${incidentId}`);
    await second.getByRole('button', { name: 'Resolve' }).waitFor();
    await second.evaluate(
      () => ((globalThis as unknown as { __sameDocument: boolean }).__sameDocument = true),
    );

    await operator.getByRole('button', { name: 'Resolve' }).click();
    await operator.getByRole('button', { name: 'Reopen' }).waitFor();
    await second.locator('.status', { hasText: 'resolved' }).waitFor({ timeout: 15_000 });
    await second.getByRole('button', { name: 'Reopen' }).waitFor();
    expect(
      await second.evaluate(() => (globalThis as unknown as { __sameDocument?: boolean }).__sameDocument),
    ).toBe(true);
    await operator.getByRole('button', { name: 'Reopen' }).click();
    await operator.getByRole('button', { name: 'Resolve' }).waitFor();
  });

  it('a viewer sees no triage controls and no names, and a forged mutation from its page is refused', async () => {
    const page = await newPage();
    await signIn(page, viewer.key);
    const row = page.locator(`tr[data-incident="${incidentId}"]`);
    await row.waitFor();
    expect(await page.locator('th', { hasText: 'Assignee' }).count()).toBe(0);
    await row.click();
    await page.keyboard.press('a');
    await page.keyboard.press('v');
    expect(await page.getByRole('dialog').count()).toBe(0);

    await row.getByRole('link', { name: incidentId }).click();
    await page.getByRole('heading', { name: 'Triage' }).waitFor();
    await page.getByTestId('triage-history').waitFor();
    expect(await page.getByTestId('triage-controls').count()).toBe(0);
    for (const name of ['Acknowledge', 'Resolve', 'Reopen', 'Record verdict', 'Assign', 'Silence…'])
      expect(await page.getByRole('button', { name }).count()).toBe(0);
    expect(await page.locator('.content').textContent()).not.toMatch(/alice|bob/);

    const verdictQuery = `
      query ($id: ID!) {
        incident(id: $id) {
          triage {
            verdict
          }
        }
      }
    `;
    const before = await graphql(alice.key, verdictQuery, { id: incidentId });
    const current = (before.data as { incident: { triage: { verdict: string } } }).incident.triage.verdict;
    // A verdict other than the current one, so that a mutation let through would show.
    const forgedVerdict = current === 'BENIGN' ? 'DECEPTIVE' : 'BENIGN';

    // The page's own key, sent by hand: the API refuses what the UI hides.
    const forged = await page.evaluate(
      async ({ id, verdict }) => {
        const key = (globalThis as unknown as BrowserGlobals).sessionStorage.getItem('damon.apiKey');
        const send = async (query: string) => {
          const response = await fetch('/graphql', {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
            body: JSON.stringify({ query, variables: { id } }),
          });
          return (await response.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
        };
        return {
          mutation: await send(`mutation($id: ID!) { setVerdict(id: $id, verdict: ${verdict}) { id } }`),
          names: await send('query($id: ID!) { incident(id: $id) { triage { assignee } } }'),
        };
      },
      { id: incidentId, verdict: forgedVerdict },
    );
    expect(forged.mutation.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(forged.names.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const after = await graphql(alice.key, verdictQuery, { id: incidentId });
    expect(after.data).toEqual({ incident: { triage: { verdict: current } } });
  });

  it('an admin creates a webhook receiver and a route on the notifications page; the secret is never shown', async () => {
    const admin = await stack.key('admin', 'ada');
    const page = await newPage();
    await signIn(page, admin.key);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Notifications' }).click();
    await page.getByRole('heading', { name: 'Notifications' }).waitFor();
    await page.getByText('No receivers.').waitFor();

    // The receiver's endpoint: a local HTTP server that records what the correlator's sender posts.
    const received: { signature: string | undefined; body: string }[] = [];
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        const signature = req.headers['x-damon-signature'];
        received.push({ signature: Array.isArray(signature) ? signature[0] : signature, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((listening) => hook.listen(0, '127.0.0.1', listening));
    onTestFinished(() => new Promise<void>((closed) => hook.close(() => closed())));

    const receiverForm = page.getByRole('form', { name: 'New receiver' });
    const secret = `s3cret-${stack.run}`;
    const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/${stack.run}/hook`;
    // By keyboard: type into the focused field, Tab to the next (the kind keeps its default, webhook).
    await receiverForm.getByLabel('Name').focus();
    await page.keyboard.type('oncall');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.type(url);
    await page.keyboard.press('Tab');
    await page.keyboard.type('too-short');
    await page.keyboard.press('Enter');
    // The API's BAD_USER_INPUT, next to the form.
    expect(await receiverForm.getByRole('alert').textContent()).toBe(
      'input.secret: must be at least 16 characters',
    );
    await receiverForm.getByLabel(/Signing secret/).fill(secret);
    await page.keyboard.press('Enter');
    await receiverForm.getByRole('status').filter({ hasText: 'Receiver oncall created' }).waitFor();
    expect(await receiverForm.getByLabel(/Signing secret/).inputValue()).toBe('');

    const receiverRow = page.getByRole('table', { name: 'Receivers' }).getByRole('row', { name: /oncall/ });
    await receiverRow.waitFor();
    expect(await receiverRow.getByRole('cell').allTextContents()).toEqual([
      'oncall',
      'webhook',
      url,
      'set',
      expect.stringMatching(/UTC$/),
      'Delete',
    ]);

    // The route by mouse.
    const routeForm = page.getByRole('form', { name: 'New route' });
    await routeForm.getByLabel('Name').fill('serious-models');
    expect(await routeForm.getByLabel('Receiver').inputValue()).not.toBe('');
    await routeForm.getByLabel('Minimum severity').fill('5');
    await routeForm.getByLabel('signals').check();
    await routeForm.getByLabel('representations').check();
    await routeForm.getByLabel(/^Subjects/).fill(`model ${stack.run}-m\ndataset`);
    await routeForm.getByLabel(/^Repeat interval/).fill('600');
    await routeForm.getByLabel('Notify when resolved').uncheck();
    await routeForm.getByRole('button', { name: 'Create route' }).click();
    const routeRow = page.getByRole('table', { name: 'Routes' }).getByRole('row', { name: /serious-models/ });
    await routeRow.waitFor();
    expect(await routeRow.getByRole('cell').allTextContents()).toEqual([
      'serious-models',
      'oncall',
      '5',
      'signals, representations',
      `model ${stack.run}-m, dataset (any)`,
      'every 600 s',
      'not sent',
      'Delete',
    ]);

    const config = await graphql(
      admin.key,
      `
        {
          notificationReceivers {
            id
            name
            kind
            url
            hasSecret
          }
          notificationRoutes {
            name
            receiverId
            minSeverity
            stages
            subjects {
              kind
              id
            }
            repeatIntervalSeconds
            sendResolved
          }
        }
      `,
    );
    expect(config.errors).toBeUndefined();
    const { notificationReceivers, notificationRoutes } = config.data as {
      notificationReceivers: { id: string; [field: string]: unknown }[];
      notificationRoutes: unknown[];
    };
    expect(notificationReceivers.map(({ id: _id, ...rest }) => rest)).toEqual([
      { name: 'oncall', kind: 'WEBHOOK', url, hasSecret: true },
    ]);
    expect(notificationRoutes).toEqual([
      {
        name: 'serious-models',
        receiverId: notificationReceivers[0]?.id,
        minSeverity: 5,
        stages: ['SIGNALS', 'REPRESENTATIONS'],
        subjects: [
          { kind: 'MODEL', id: `${stack.run}-m` },
          { kind: 'DATASET', id: null },
        ],
        repeatIntervalSeconds: 600,
        sendResolved: false,
      },
    ]);

    // An incident the route matches (a representations alert on the model) is posted to the endpoint,
    // signed with the secret, and the page lists the delivery.
    const model = { kind: 'model' as const, id: `${stack.run}-m` };
    await stack.bus.publishMany('damon.alerts', [
      stageAlertAt(`${stack.run}-notif`, model, Date.now(), {
        detector: 'representation-fused',
        score: 40,
        pValue: 1e-8,
      }),
    ]);
    await expect.poll(() => received.length, { timeout: 60_000 }).toBeGreaterThan(0);
    const [posted] = received;
    if (!posted) throw new Error('nothing posted');
    expect(posted.signature).toBe(`sha256=${createHmac('sha256', secret).update(posted.body).digest('hex')}`);
    const notified = (JSON.parse(posted.body) as { incident: { id: string } }).incident.id;

    await page.getByRole('button', { name: 'Refresh deliveries' }).click();
    const deliveryRow = page
      .getByRole('table', { name: 'Recent deliveries' })
      .getByRole('row')
      .filter({ has: page.getByRole('link') });
    await deliveryRow.first().waitFor();
    await expect
      .poll(async () => (await deliveryRow.first().getByRole('cell').allTextContents()).slice(2, 5), {
        timeout: 10_000,
        interval: 500,
      })
      .toEqual(['oncall', 'delivered', '1']);
    expect(await page.locator('.content').textContent()).not.toContain(secret);
    expect(await page.content()).not.toContain(secret);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'notifications', { fullPage: true });
    // The incident link, by keyboard.
    await deliveryRow.first().getByRole('link').focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/incidents/${encodeURIComponent(notified)}`);

    // A triager gets the deliveries but neither the configuration nor its controls.
    const triager = await newPage();
    await signIn(triager, alice.key);
    await triager.goto(`${stack.url}/notifications`);
    await triager.getByText('Managing receivers and routes requires the admin role.').waitFor();
    await triager
      .getByRole('table', { name: 'Recent deliveries' })
      .getByRole('link', { name: /./ })
      .first()
      .waitFor();
    expect(await triager.getByRole('button', { name: /Create|Delete/ }).count()).toBe(0);
    expect(await triager.getByRole('alert').count()).toBe(0);

    // A viewer gets neither, and notes instead of error pages.
    const reader = await newPage();
    await signIn(reader, viewer.key);
    await reader.goto(`${stack.url}/notifications`);
    await reader.getByText('Managing receivers and routes requires the admin role.').waitFor();
    await reader.getByText('Seeing deliveries requires the triager role.').waitFor();
    expect(await reader.getByRole('button', { name: /Create|Delete|Refresh/ }).count()).toBe(0);
    expect(await reader.getByRole('alert').count()).toBe(0);

    // The admin deletes the route by keyboard, then the receiver (with its deliveries) by mouse.
    await page.goBack();
    await page.getByRole('button', { name: 'Delete route serious-models' }).focus();
    await page.keyboard.press('Enter');
    await page.getByText('No routes: nothing is sent.').waitFor();
    await page.getByRole('button', { name: /^Delete receiver oncall/ }).click();
    await page.getByText('No receivers.').waitFor();
    const gone = await graphql(admin.key, '{ notificationReceivers { id } notificationRoutes { id } }');
    expect(gone.data).toEqual({ notificationReceivers: [], notificationRoutes: [] });
  });

  it('a revoked key returns to sign-in with the reason; sign-out forgets the key', async () => {
    const page = await newPage();
    await signIn(page, bob.key);
    await stack.revoke(bob.id);
    // The next request the page makes is refused; a live refetch may get there before this click.
    await page
      .getByRole('link', { name: 'Detectors' })
      .click({ timeout: 5_000 })
      .catch(() => undefined);
    await page.getByRole('heading', { name: 'Sign in to the operator console' }).waitFor({ timeout: 10_000 });
    expect(await page.getByRole('status').textContent()).toMatch(/revoked/);
    expect(
      await page.evaluate(() =>
        (globalThis as unknown as BrowserGlobals).sessionStorage.getItem('damon.apiKey'),
      ),
    ).toBeNull();

    await signIn(page, alice.key);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to the operator console' }).waitFor();
    expect(
      await page.evaluate(() =>
        (globalThis as unknown as BrowserGlobals).sessionStorage.getItem('damon.apiKey'),
      ),
    ).toBeNull();
  });

  it('an API that goes down shows a banner and recovers without a reload', async () => {
    const port = stack.port;
    await operator.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Queue' }).click();
    await operator.locator(`tr[data-incident="${incidentId}"]`).waitFor();
    await stack.stopApi();
    // Any request now fails: change the sort, which fetches the queue again.
    await operator.getByLabel('Sort').selectOption('CREATED_AT_DESC');
    const banner = operator.getByText('The API is unreachable.');
    await banner.waitFor({ timeout: 15_000 });
    await stack.startApi(consoleDir, port);
    await banner.waitFor({ state: 'detached', timeout: 20_000 });
    await operator.locator(`tr[data-incident="${incidentId}"]`).waitFor({ timeout: 10_000 });
    expect(new URL(operator.url()).searchParams.get('sort')).toBe('CREATED_AT_DESC');
  });
});
