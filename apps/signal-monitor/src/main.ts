import 'reflect-metadata';
import { bootstrapMonitor } from '@damon/monitor-kit';
import { SignalMonitorModule } from './signal-monitor.module';

bootstrapMonitor(SignalMonitorModule, 'signals');
