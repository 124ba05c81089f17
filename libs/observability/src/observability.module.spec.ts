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

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [ObservabilityModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    app.get(HealthRegistry).register('bus', () => {
      if (!healthy) throw new Error('consumer not connected');
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

  it('answers /healthz 200 when every check passes and 503 naming the failing one', async () => {
    healthy = true;
    const ok = await fetch(`${base}/healthz`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ ok: true, checks: { bus: 'ok' } });
    healthy = false;
    const bad = await fetch(`${base}/healthz`);
    expect(bad.status).toBe(503);
    expect(await bad.json()).toEqual({ ok: false, checks: { bus: 'consumer not connected' } });
  });
});
