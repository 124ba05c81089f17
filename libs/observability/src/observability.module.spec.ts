import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Counter, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HealthRegistry } from './health.registry';
import { ObservabilityModule } from './observability.module';

describe('ObservabilityModule', () => {
  let app: INestApplication;
  let base: string;
  let healthy = true;
  let crashed = false;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [ObservabilityModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    app.get(HealthRegistry).register('bus', () => {
      if (!healthy) throw new Error('consumer not connected');
      return { group: 'g', assignedPartitions: 3 };
    });
    app.get(HealthRegistry).registerLiveness('consumer', () => {
      if (crashed) throw new Error('crashed, not restarting');
    });
    const counter = new Counter({
      name: 'damon_test_consumed_total',
      help: 'test',
      registers: [app.get(Registry)],
    });
    counter.inc(3);
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });
  afterAll(() => app.close());

  it('serves Prometheus metrics including the service’s own', async () => {
    const response = await fetch(`${base}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    expect(await response.text()).toMatch(/^damon_test_consumed_total 3$/m);
  });

  it('answers readiness (/healthz, /healthz/ready) 200 with details when every check passes and 503 naming the failing one', async () => {
    healthy = true;
    for (const path of ['healthz', 'healthz/ready']) {
      const ok = await fetch(`${base}/${path}`);
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({
        ok: true,
        checks: { consumer: 'ok', bus: 'ok' },
        details: { bus: { group: 'g', assignedPartitions: 3 } },
      });
    }
    healthy = false;
    const bad = await fetch(`${base}/healthz/ready`);
    expect(bad.status).toBe(503);
    expect(await bad.json()).toEqual({
      ok: false,
      checks: { consumer: 'ok', bus: 'consumer not connected' },
    });
    // A dependency down is no reason to restart the process: still live.
    expect((await fetch(`${base}/healthz/live`)).status).toBe(200);
    healthy = true;
  });

  it('fails liveness (and so readiness) only on what a restart repairs', async () => {
    crashed = true;
    const live = await fetch(`${base}/healthz/live`);
    expect(live.status).toBe(503);
    expect(await live.json()).toEqual({ ok: false, checks: { consumer: 'crashed, not restarting' } });
    expect((await fetch(`${base}/healthz`)).status).toBe(503);
    crashed = false;
    expect((await fetch(`${base}/healthz/live`)).status).toBe(200);
  });
});
