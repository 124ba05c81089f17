import type { Stage } from '@damon/contracts';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { RejectionKind } from './rejected-input.error';

/** The Prometheus series every stage monitor exports (labelled by stage). */
export class MonitorMetrics {
  readonly consumed: Counter<'stage'>;
  readonly duplicates: Counter<'stage'>;
  readonly scored: Counter<'stage'>;
  readonly learned: Counter<'stage'>;
  readonly fits: Counter<'stage'>;
  readonly alerts: Counter<'stage' | 'detector'>;
  readonly deadLettered: Counter<'stage' | 'reason'>;
  readonly lag: Gauge<'stage'>;
  readonly scoringLatency: Histogram<'stage'>;
  readonly unavailable: Gauge<'stage' | 'detector'>;

  constructor(
    registry: Registry,
    private readonly stage: Stage,
  ) {
    const registers = [registry];
    this.consumed = new Counter({
      name: 'damon_monitor_consumed_total',
      help: 'Telemetry events consumed',
      labelNames: ['stage'],
      registers,
    });
    this.duplicates = new Counter({
      name: 'damon_monitor_duplicates_total',
      help: 'Redelivered events skipped (already processed)',
      labelNames: ['stage'],
      registers,
    });
    this.scored = new Counter({
      name: 'damon_monitor_scored_items_total',
      help: 'Items scored against a fitted baseline',
      labelNames: ['stage'],
      registers,
    });
    this.learned = new Counter({
      name: 'damon_monitor_reference_items_total',
      help: 'Items added to a learning reference',
      labelNames: ['stage'],
      registers,
    });
    this.fits = new Counter({
      name: 'damon_monitor_baseline_fits_total',
      help: 'Baselines fitted',
      labelNames: ['stage'],
      registers,
    });
    this.alerts = new Counter({
      name: 'damon_monitor_alerts_total',
      help: 'StageAlerts published',
      labelNames: ['stage', 'detector'],
      registers,
    });
    this.deadLettered = new Counter({
      name: 'damon_monitor_dead_letters_total',
      help: 'Messages sent to damon.dlq, by reason (schema, handler failure, or a semantic rejection)',
      labelNames: ['stage', 'reason'],
      registers,
    });
    this.lag = new Gauge({
      name: 'damon_monitor_event_lag_seconds',
      help: 'Now minus the event time of the last event handled',
      labelNames: ['stage'],
      registers,
    });
    this.scoringLatency = new Histogram({
      name: 'damon_monitor_scoring_latency_seconds',
      help: 'Time to handle one subject’s events of a fetched batch (decode, score, persist, publish)',
      labelNames: ['stage'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.unavailable = new Gauge({
      name: 'damon_monitor_detector_unavailable_subjects',
      help: 'Subjects whose last fit could not fit this detector (the reason is in the log and the subject status)',
      labelNames: ['stage', 'detector'],
      registers,
    });
  }

  deadLetter(reason: RejectionKind | 'schema' | 'handler_failed'): void {
    this.deadLettered.inc({ stage: this.stage, reason });
  }
}
