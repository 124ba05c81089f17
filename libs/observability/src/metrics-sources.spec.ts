import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { MetricsSources } from './metrics-sources';

/** A registry as each part of the all-in-one has one: default metrics and a counter labelled by stage. */
function partRegistry(stage: string, consumed: number): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Counter({
    name: 'damon_part_consumed_total',
    help: 'consumed',
    labelNames: ['stage'],
    registers: [registry],
  })
    .labels(stage)
    .inc(consumed);
  return registry;
}

describe('MetricsSources', () => {
  it('shows only the own registry when nothing is included', async () => {
    const own = partRegistry('api', 1);
    const text = await new MetricsSources().metrics(own);
    expect(text).toMatch(/^damon_part_consumed_total\{stage="api"\} 1$/m);
    expect(text.split('\n').filter((l) => l.startsWith('# TYPE'))).toEqual(
      (await own.metrics()).split('\n').filter((l) => l.startsWith('# TYPE')),
    );
  });

  it('adds the included registries’ series, one HELP/TYPE per name, default metrics once', async () => {
    const own = partRegistry('api', 1);
    const sources = new MetricsSources();
    sources.include(partRegistry('data', 5));
    sources.include(partRegistry('signals', 7));
    const correlator = new Registry();
    const latency = new Histogram({
      name: 'damon_part_batch_seconds',
      help: 'batch',
      buckets: [0.1, 1],
      registers: [correlator],
    });
    latency.observe(0.5);
    sources.include(correlator);
    const text = await sources.metrics(own);
    expect(text).toMatch(/^damon_part_consumed_total\{stage="api"\} 1$/m);
    expect(text).toMatch(/^damon_part_consumed_total\{stage="data"\} 5$/m);
    expect(text).toMatch(/^damon_part_consumed_total\{stage="signals"\} 7$/m);
    expect(text.match(/^# TYPE damon_part_consumed_total counter$/gm)).toHaveLength(1);
    expect(text).toMatch(/^damon_part_batch_seconds_bucket\{le="1"\} 1$/m);
    expect(text).toMatch(/^damon_part_batch_seconds_count 1$/m);
    // process_* and nodejs_* exist in every part's registry: shown once, from the own registry.
    expect(text.match(/^# TYPE process_cpu_user_seconds_total counter$/gm)).toHaveLength(1);
    expect(text.match(/^process_cpu_user_seconds_total /gm)).toHaveLength(1);
  });
});
