import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { MONITOR_ENV, type MonitorEnv } from '@damon/monitor-kit';
import { JsonLogger } from '@damon/observability';
import { DataSource } from 'typeorm';
import { VERDICT_PROBE_DEFAULTS, fitVerdictProbes, type ProbeFitReport } from './verdict-probe-fitting';

/**
 * Refits the verdict probes on a schedule (MONITOR_PROBE_INTERVAL_MS) when verdicts have changed.
 *
 * It runs here, in the representation monitor, rather than in the correlator or the API: this process
 * already has the TensorFlow.js backend and the detectors, writes the flagged vectors the probe learns
 * from, and is the one that scores new batches with it; the API stays a light request server and the
 * correlator never sees activations. Several replicas may fit the same layer: the upsert is idempotent
 * (same labelled rows, same probe), so the last write wins harmlessly.
 */
@Injectable()
export class VerdictProbeService implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly logger: JsonLogger,
    @Inject(MONITOR_ENV) private readonly env: MonitorEnv,
  ) {}

  onApplicationBootstrap(): void {
    const every = this.env.MONITOR_PROBE_INTERVAL_MS;
    if (every <= 0) return;
    this.timer = setInterval(() => void this.refit(), every);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass over every model layer (skipped while the previous one still runs). */
  async refit(): Promise<ProbeFitReport[]> {
    if (this.running) return [];
    const run = fitVerdictProbes(this.dataSource, VERDICT_PROBE_DEFAULTS)
      .then((reports) => {
        for (const r of reports)
          this.logger.event(
            'info',
            'verdict-probe',
            r.deployed ? 'deployed' : 'fitted, below the AUROC gate',
            {
              subject: { kind: r.subjectKind, id: r.subjectId },
              layer: r.layer,
              cvAuroc: r.cvAuroc,
              deceptiveIncidents: r.deceptiveIncidents,
              benignIncidents: r.benignIncidents,
              version: r.version,
            },
          );
        return reports;
      })
      .catch((error: unknown) => {
        this.logger.event('error', 'verdict-probe', 'refit failed', { error: String(error) });
        return [];
      });
    this.running = run;
    try {
      return await run;
    } finally {
      this.running = undefined;
    }
  }
}
