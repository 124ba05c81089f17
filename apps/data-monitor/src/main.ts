import 'reflect-metadata';
import { bootstrapMonitor } from '@damon/monitor-kit';
import { DataMonitorModule } from './data-monitor.module';

bootstrapMonitor(DataMonitorModule, 'data-monitor').catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
