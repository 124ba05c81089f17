import { Injectable } from '@nestjs/common';
import {
  AggregatorRegistry,
  type MetricObjectWithValues,
  type MetricValue,
  type Registry,
} from 'prom-client';

/**
 * Further Prometheus registries whose series this process's /metrics shows beside its own: the
 * all-in-one runner adds the monitors' and the correlator's registries to the API's, so one scrape
 * of :4000/metrics sees the whole platform. Each part keeps its own registry (the three monitors
 * export the same names, told apart by their `stage` label); the series of a name are concatenated,
 * and a series (name and labels) the process's own registry has already (the default `process_*`
 * and `nodejs_*` metrics, the same in one process) is taken from that registry only. Empty in a single service.
 */
@Injectable()
export class MetricsSources {
  private readonly registries: Registry[] = [];

  include(registry: Registry): void {
    if (!this.registries.includes(registry)) this.registries.push(registry);
  }

  /** The exposition text of `own` with the included registries' series. */
  async metrics(own: Registry): Promise<string> {
    if (this.registries.length === 0) return own.metrics();
    const merged = new Map<string, MetricObjectWithValues<MetricValue<string>>>();
    const seen = new Set<string>();
    for (const registry of [own, ...this.registries]) {
      for (const metric of await registry.getMetricsAsJSON()) {
        // A series (name and labels) already shown is not shown again: the first registry wins.
        const values = metric.values.filter((v) => {
          const key = seriesKey(metric.name, v);
          if (seen.has(key)) return false;
          seen.add(key);
          return true;
        });
        const known = merged.get(metric.name);
        merged.set(
          metric.name,
          known ? { ...known, values: [...known.values, ...values] } : { ...metric, values },
        );
      }
    }
    // One set, so the aggregation only renders it (no series occurs twice).
    return AggregatorRegistry.aggregate([[...merged.values()]]).metrics();
  }
}

function seriesKey(name: string, value: MetricValue<string>): string {
  const withName = value as MetricValue<string> & { metricName?: string };
  const labels = Object.entries(value.labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(',');
  return `${name}\u0000${withName.metricName ?? ''}\u0000${labels}`;
}
