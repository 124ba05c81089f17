import 'reflect-metadata';
import { bootstrapMonitor } from '@damon/monitor-kit';
import { RepresentationMonitorModule } from './representation-monitor.module';

bootstrapMonitor(RepresentationMonitorModule, 'representations');
