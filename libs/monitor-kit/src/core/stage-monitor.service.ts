import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { busHealthChecks, type Bus, type Subscription } from '@damon/bus';
import type { Topic } from '@damon/contracts';
import { initBackend } from '@damon/detectors';
import { HealthRegistry, JsonLogger } from '@damon/observability';
import { DataSource } from 'typeorm';
import type { ComputePool } from './compute-pool';
import { blasOptions, type MonitorEnv } from './monitor-config';
import { COMPUTE_POOL, MONITOR_BUS, MONITOR_ENV, STAGE_HANDLER } from './monitor.tokens';
import type { AnyStageHandler } from './stage-handler';
import { StageMonitorEngine } from './stage-monitor.engine';

/** The telemetry consumer group: MONITOR_GROUP, else `<stage>-monitor`. */
export function monitorGroup(env: MonitorEnv, handler: AnyStageHandler): string {
  return env.MONITOR_GROUP ?? `${handler.stage}-monitor`;
}

/**
 * Runs one stage monitor inside Nest: creates the topics, joins the telemetry consumer group (batch
 * mode) and the commands group, and on SIGTERM finishes the batch in hand, commits and leaves.
 */
@Injectable()
export class StageMonitorService
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  readonly group: string;
  private subscriptions: Subscription[] = [];
  private stopped = false;

  constructor(
    @Inject(STAGE_HANDLER) private readonly handler: AnyStageHandler,
    @Inject(MONITOR_ENV) private readonly env: MonitorEnv,
    @Inject(MONITOR_BUS) private readonly bus: Bus,
    private readonly dataSource: DataSource,
    private readonly logger: JsonLogger,
    private readonly health: HealthRegistry,
    readonly engine: StageMonitorEngine,
    /** Where fitting and scoring run: MONITOR_WORKERS worker threads (or inline, see createComputePool). */
    @Inject(COMPUTE_POOL) readonly pool: ComputePool,
  ) {
    this.group = monitorGroup(env, handler);
  }

  async onApplicationBootstrap(): Promise<void> {
    const backend = await initBackend(
      (message) => this.logger.event('info', 'detectors', message),
      blasOptions(this.env),
    );
    const topics: Topic[] = [
      this.handler.topic,
      'damon.alerts',
      'damon.scores',
      'damon.commands',
      'damon.dlq',
    ];
    await this.bus.ensureTopics(topics, this.env.MONITOR_PARTITIONS);
    const telemetry = await this.bus.subscribe({
      group: this.group,
      topics: [this.handler.topic],
      fromBeginning: this.env.MONITOR_FROM_BEGINNING,
      readAhead: this.env.MONITOR_READ_AHEAD,
      batchHandler: (messages, context) => this.engine.handleTelemetry(messages, context),
    });
    const commands = await this.bus.subscribe({
      group: `${this.group}-commands`,
      topics: ['damon.commands'],
      fromBeginning: this.env.MONITOR_FROM_BEGINNING,
      handler: (message) => this.engine.handleCommand(message),
    });
    this.subscriptions = [telemetry, commands];
    await Promise.all(this.subscriptions.map((s) => s.ready));
    this.health.register('database', async () => {
      await this.dataSource.query('SELECT 1');
    });
    const consumers = busHealthChecks(this.bus);
    this.health.register('consumers', () => {
      if (this.stopped) throw new Error('consumers stopped');
      return consumers.readiness();
    });
    this.health.registerLiveness('consumers', consumers.liveness);
    this.logger.event('info', 'monitor', 'consuming', {
      stage: this.handler.stage,
      group: this.group,
      topic: this.handler.topic,
      backend,
      compute: { mode: this.pool.mode, workers: this.pool.size },
      metricsPrefix: 'damon_monitor_',
      partitions: telemetry.assignment(),
    });
  }

  /** SIGTERM: finish the batch in hand, commit, leave the groups (before the HTTP server and pools close). */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.subscriptions.map((s) => s.stop()));
    this.subscriptions = [];
  }

  /** The bus and the database close after this, in InfrastructureModule (or by the host that made them). */
  async onApplicationShutdown(): Promise<void> {
    await this.engine.dispose();
    await this.pool.close();
    this.logger.event('info', 'monitor', 'stopped', { stage: this.handler.stage });
  }

  /** Where the maths runs: inline on this thread, or in `workers` worker threads. */
  compute(): { mode: ComputePool['mode']; workers: number } {
    return { mode: this.pool.mode, workers: this.pool.size };
  }

  /** Partitions of the telemetry topic this instance owns now. */
  assignment() {
    return this.subscriptions[0]?.assignment() ?? [];
  }
}
