import { Module } from '@nestjs/common';
import { MonitorKitModule, SignalStageHandler } from '@damon/monitor-kit';

/** Stage 2: training signals of runs (damon.telemetry.training) → damon.alerts. */
@Module({
  imports: [MonitorKitModule.forStage({ handler: () => new SignalStageHandler() })],
})
export class SignalMonitorModule {}
