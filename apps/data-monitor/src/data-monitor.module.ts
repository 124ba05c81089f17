import { Module } from '@nestjs/common';
import { MonitorKitModule } from '@damon/monitor-kit';
import { DataStageHandler } from '@damon/stage-data';

/** Stage 1: batches of training samples (damon.telemetry.data) → damon.alerts. */
@Module({
  imports: [MonitorKitModule.forStage({ stage: 'data', handler: () => new DataStageHandler() })],
})
export class DataMonitorModule {}
