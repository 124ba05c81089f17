import { Gauge, Histogram, type Registry } from 'prom-client';
import type { DataSource } from 'typeorm';

/**
 * The correlator's own metrics in /metrics (of the correlator service, and of the all-in-one runner
 * beside the others'): the outbox backlog (incident events not yet published, counted from the
 * database at each scrape), the latency of each consumed batch, and notification delivery (rows of
 * the notification outbox by status, and the failed delivery attempts on record, from the database).
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
  new Gauge({
    name: 'damon_notifications',
    help: 'Notifications in the notification outbox by status (pending, delivered, failed, silenced)',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const rows: unknown = await dataSource.query(
        `SELECT s.status, count(o.seq)::int AS n
         FROM unnest(ARRAY['pending', 'delivered', 'failed', 'silenced']) AS s(status)
         LEFT JOIN notification_outbox o ON o.status = s.status GROUP BY s.status`,
      );
      for (const r of rows as { status: string; n: number }[]) this.set({ status: r.status }, r.n);
    },
  });
  new Gauge({
    name: 'damon_notification_failed_attempts',
    help: 'Notification delivery attempts that failed (every attempt but a delivered one), as recorded in the outbox',
    registers: [registry],
    async collect() {
      const rows: unknown = await dataSource.query(
        `SELECT coalesce(sum(attempts - CASE WHEN status = 'delivered' THEN 1 ELSE 0 END), 0)::int AS n
         FROM notification_outbox WHERE attempts > 0`,
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
