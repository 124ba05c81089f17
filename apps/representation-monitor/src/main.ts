import 'reflect-metadata';
import { bootstrapMonitor } from '@damon/monitor-kit';
import { RepresentationMonitorModule } from './representation-monitor.module';

bootstrapMonitor(RepresentationMonitorModule, 'representation-monitor').catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
