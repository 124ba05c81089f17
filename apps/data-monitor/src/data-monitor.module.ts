import { Module } from '@nestjs/common';
import { DataStageHandler, MonitorKitModule } from '@damon/monitor-kit';

/** Stage 1: batches of training samples (damon.telemetry.data) → damon.alerts. */
@Module({
  imports: [MonitorKitModule.forStage({ handler: () => new DataStageHandler() })],
})
export class DataMonitorModule {}
