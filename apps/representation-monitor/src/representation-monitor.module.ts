import { Module } from '@nestjs/common';
import { MonitorKitModule } from '@damon/monitor-kit';
import { RepresentationStageHandler, VerdictProbeService } from '@damon/stage-representations';

/**
 * Stage 3: per-layer activations of monitored models (damon.telemetry.repr) → damon.alerts, and the
 * verdict probes refitted from operators' verdicts (VerdictProbeService).
 */
@Module({
  imports: [
    MonitorKitModule.forStage({
      stage: 'representations',
      handler: (env) => new RepresentationStageHandler({ rank: env.MONITOR_GAUSSIAN_RANK }),
    }),
  ],
  providers: [VerdictProbeService],
})
export class RepresentationMonitorModule {}
