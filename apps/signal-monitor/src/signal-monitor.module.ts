import { Module } from '@nestjs/common';
import { MonitorKitModule } from '@damon/monitor-kit';
import { SignalStageHandler } from '@damon/stage-signals';

/** Stage 2: training signals of runs (damon.telemetry.training) → damon.alerts. */
@Module({
  imports: [MonitorKitModule.forStage({ stage: 'signals', handler: () => new SignalStageHandler() })],
})
export class SignalMonitorModule {}
