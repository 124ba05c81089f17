import { Module, type DynamicModule, type InjectionToken, type ModuleMetadata } from '@nestjs/common';
import type { Bus } from '@damon/bus';
import type { DataSource } from 'typeorm';
import { AlertsConsumer } from './alerts.consumer';
import { CLOCK, systemClock, type Clock } from './clock';
import { CORRELATION_SETTINGS, type CorrelationSettings } from './correlation-settings';
import { CorrelationEngine } from './correlation-engine';
import { CorrelationStore } from './correlation-store';
import { CorrelationScheduler } from './correlation.scheduler';
import { CorrelationService } from './correlation.service';
import { IncidentOutboxPublisher } from './incident-outbox.publisher';
import {
  DEFAULT_NOTIFICATION_SETTINGS,
  NOTIFICATION_SETTINGS,
  type NotificationSettings,
} from './notification-settings';
import { NotificationSender } from './notification.sender';
import { CORRELATION_BUS, CORRELATION_DATA_SOURCE } from './tokens';

/** What the application hands the correlation module; the application owns (and closes) the bus and data source. */
export interface CorrelationDependencies {
  bus: Bus;
  /** Initialised, on a migrated schema. */
  dataSource: DataSource;
  settings: CorrelationSettings;
  /** How notifications are delivered (defaults: DEFAULT_NOTIFICATION_SETTINGS). */
  notifications?: Partial<NotificationSettings>;
  clock?: Clock;
}

export interface CorrelationModuleOptions {
  imports?: ModuleMetadata['imports'];
  inject?: InjectionToken[];
  useFactory: (...args: never[]) => CorrelationDependencies | Promise<CorrelationDependencies>;
  /**
   * Without the consumer the module only serves the service (e.g. to an API process), and sends no
   * notifications. Default true.
   */
  consume?: boolean;
}

const DEPENDENCIES = Symbol('damon.correlation.dependencies');

@Module({})
export class CorrelationModule {
  static forRootAsync(options: CorrelationModuleOptions): DynamicModule {
    const from = <T>(pick: (d: CorrelationDependencies) => T) => ({
      useFactory: pick,
      inject: [DEPENDENCIES],
    });
    return {
      module: CorrelationModule,
      imports: options.imports ?? [],
      providers: [
        { provide: DEPENDENCIES, useFactory: options.useFactory, inject: options.inject ?? [] },
        { provide: CORRELATION_BUS, ...from((d) => d.bus) },
        { provide: CORRELATION_DATA_SOURCE, ...from((d) => d.dataSource) },
        { provide: CORRELATION_SETTINGS, ...from((d) => d.settings) },
        { provide: CLOCK, ...from((d) => d.clock ?? systemClock) },
        {
          provide: NOTIFICATION_SETTINGS,
          ...from((d) => ({ ...DEFAULT_NOTIFICATION_SETTINGS, ...d.notifications })),
        },
        {
          provide: CorrelationEngine,
          useFactory: (settings: CorrelationSettings) => new CorrelationEngine(settings),
          inject: [CORRELATION_SETTINGS],
        },
        CorrelationStore,
        IncidentOutboxPublisher,
        CorrelationService,
        CorrelationScheduler,
        ...(options.consume === false ? [] : [AlertsConsumer, NotificationSender]),
      ],
      exports: [CorrelationService, IncidentOutboxPublisher, CORRELATION_DATA_SOURCE, CORRELATION_BUS],
    };
  }
}
