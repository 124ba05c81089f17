import 'reflect-metadata';
import { bootstrapMonitor } from '@damon/monitor-kit';
import { SignalMonitorModule } from './signal-monitor.module';

bootstrapMonitor(SignalMonitorModule, 'signal-monitor').catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
