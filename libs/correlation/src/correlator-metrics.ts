import { Gauge, Histogram, type Registry } from 'prom-client';
import type { DataSource } from 'typeorm';

/**
 * The correlator's own metrics in /metrics (of the correlator service, and of the all-in-one runner
 * beside the others'): the outbox backlog (incident events not yet published, counted from the
 * database at each scrape) and the latency of each consumed batch.
 */
export function correlatorMetrics(
  registry: Registry,
  dataSource: DataSource,
): { batchHandled(seconds: number): void } {
  new Gauge({
    name: 'damon_correlator_outbox_backlog',
    help: 'Incident events in the outbox not yet published to damon.incidents',
    registers: [registry],
    async collect() {
      const rows: unknown = await dataSource.query(
        'SELECT count(*)::int AS n FROM incident_outbox WHERE published_at IS NULL',
      );
      this.set((rows as { n: number }[])[0].n);
    },
  });
  const latency = new Histogram({
    name: 'damon_correlator_batch_seconds',
    help: 'Time to correlate one consumed batch of alerts and lineage (one transaction)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return { batchHandled: (seconds) => latency.observe(seconds) };
}
