import 'reflect-metadata';
import { bootstrapMonitor } from '@damon/monitor-kit';
import { DataMonitorModule } from './data-monitor.module';

bootstrapMonitor(DataMonitorModule, 'data');
