import { Module } from '@nestjs/common';
import { MonitorKitModule, RepresentationStageHandler } from '@damon/monitor-kit';

/** Stage 3: per-layer activations of monitored models (damon.telemetry.repr) → damon.alerts. */
@Module({
  imports: [MonitorKitModule.forStage({ handler: (env) => new RepresentationStageHandler({ rank: env.MONITOR_GAUSSIAN_RANK }) })],
})
export class RepresentationMonitorModule {}
