import {
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type InjectionToken,
  type ModuleMetadata,
  type OnApplicationShutdown,
  type OptionalFactoryDependency,
} from '@nestjs/common';
import { createBus, type Bus, type KafkaBusOptions } from '@damon/bus';
import { openServiceDataSource, type CreateDataSourceOptions } from '@damon/persistence';
import { DataSource } from 'typeorm';
import { BUS } from './infrastructure.tokens';

/**
 * Where the bus comes from: Kafka on the configured brokers (every service; no brokers is an error,
 * never an in-process fallback), or a bus the host made and owns (the all-in-one runner's, memory or
 * Kafka, or a test's).
 */
export type BusSource = { kafka: KafkaBusOptions } | { shared: Bus };

/**
 * Where the DataSource comes from: DATABASE_URL, opened through the pending-migration check, or an
 * initialised one the host owns (the all-in-one runner's embedded database, a test's scratch one).
 */
export type DatabaseSource = ({ url: string } & CreateDataSourceOptions) | { shared: DataSource };

export interface InfrastructureOptions {
  bus: BusSource;
  database: DatabaseSource;
}

export interface InfrastructureAsyncOptions {
  imports?: ModuleMetadata['imports'];
  inject?: (InjectionToken | OptionalFactoryDependency)[];
  useFactory: (...args: never[]) => InfrastructureOptions | Promise<InfrastructureOptions>;
}

const OPTIONS = Symbol('damon.infrastructure.options');
/** What this module opened itself, and so closes. */
const OWNED = Symbol('damon.infrastructure.owned');

interface Owned {
  bus?: Bus;
  dataSource?: DataSource;
}

/**
 * Closes what the module opened, after the app's own shutdown hooks: the module is global, so Nest
 * runs its hooks last on shutdown (first on start), once every consumer stopped and committed and
 * every last drain went out. What the host handed in is the host's to close.
 */
@Injectable()
class InfrastructureCloser implements OnApplicationShutdown {
  constructor(@Inject(OWNED) private readonly owned: Owned) {}

  async onApplicationShutdown(): Promise<void> {
    await this.owned.bus?.close();
    if (this.owned.dataSource?.isInitialized) await this.owned.dataSource.destroy();
  }
}

/**
 * The one way an app wires its bus and its DataSource: `BUS` and `DataSource` for every module of the
 * app (global), from its configuration or from the host.
 */
@Module({})
export class InfrastructureModule {
  static forRoot(options: InfrastructureOptions): DynamicModule {
    return InfrastructureModule.forRootAsync({ useFactory: () => options });
  }

  static forRootAsync(options: InfrastructureAsyncOptions): DynamicModule {
    return {
      module: InfrastructureModule,
      global: true,
      imports: options.imports ?? [],
      providers: [
        { provide: OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] },
        { provide: OWNED, useValue: {} satisfies Owned },
        {
          provide: BUS,
          useFactory: (o: InfrastructureOptions, owned: Owned): Bus => {
            if ('shared' in o.bus) return o.bus.shared;
            owned.bus = createBus(o.bus.kafka);
            return owned.bus;
          },
          inject: [OPTIONS, OWNED],
        },
        {
          provide: DataSource,
          useFactory: async (o: InfrastructureOptions, owned: Owned): Promise<DataSource> => {
            if ('shared' in o.database) return o.database.shared;
            const { url, ...tuning } = o.database;
            // Refuses to start on a schema with pending migrations.
            owned.dataSource = await openServiceDataSource(url, tuning);
            return owned.dataSource;
          },
          inject: [OPTIONS, OWNED],
        },
        InfrastructureCloser,
      ],
      exports: [BUS, DataSource],
    };
  }
}
