import {
  Logger,
  Module,
  type DynamicModule,
  type InjectionToken,
  type ModuleMetadata,
  type OptionalFactoryDependency,
} from '@nestjs/common';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { GraphQLModule } from '@nestjs/graphql';
import type { Bus } from '@damon/bus';
import {
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import type { ServerOptions } from 'graphql-ws';
import { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { ApiSettings } from './api-settings';
import { ApiCoreModule } from './api-core.module';
import { ApiContextFactory } from './auth/api-context.factory';
import { ApiKeyService } from './auth/api-key.service';
import { RolesGuard } from './auth/roles.guard';
import { VerifiedKeyCache } from './auth/verified-key-cache';
import { complexityLimitRule } from './graphql/complexity-limit.rule';
import { depthLimitRule } from './graphql/depth-limit.rule';
import { unauthenticated } from './errors';
import { formatErrorFor, withoutSuggestions } from './graphql/format-error';
import { metricsPlugin } from './graphql/metrics.plugin';
import { API_RESOLVERS } from './resolvers';
import { AlertQueryService } from './services/alert-query.service';
import { ArtifactService } from './services/artifact.service';
import { AuditService } from './services/audit.service';
import { CommandService } from './services/command.service';
import { DetectorStatsService } from './services/detector-stats.service';
import { VerdictProbeService } from './services/verdict-probe.service';
import { FlaggedItemsService } from './services/flagged-items.service';
import { SubjectStatusService } from './services/subject-status.service';
import { IncidentDetailService } from './services/incident-detail.service';
import { IncidentEventOutbox } from './services/incident-event.outbox';
import { IncidentFeed } from './services/incident-feed.service';
import { IncidentQueryService } from './services/incident-query.service';
import { LineageService } from './services/lineage.service';
import { MonitorSettingsService } from './services/monitor-settings.service';
import { NotificationService } from './services/notification.service';
import { SilenceService } from './services/silence.service';
import { TriageService } from './services/triage.service';
import { API_BUS, API_DATA_SOURCE, API_SETTINGS } from './tokens';

export interface ApiModuleOptions {
  dataSource: DataSource;
  bus: Bus;
  settings: ApiSettings;
}

export interface ApiModuleAsyncOptions {
  imports?: ModuleMetadata['imports'];
  inject?: (InjectionToken | OptionalFactoryDependency)[];
  useFactory: (...args: never[]) => ApiModuleOptions | Promise<ApiModuleOptions>;
}

const API_OPTIONS = Symbol('API_OPTIONS');

const SERVICES = [
  VerifiedKeyCache,
  ApiKeyService,
  ApiContextFactory,
  AuditService,
  IncidentQueryService,
  IncidentDetailService,
  LineageService,
  AlertQueryService,
  ArtifactService,
  SilenceService,
  DetectorStatsService,
  FlaggedItemsService,
  SubjectStatusService,
  IncidentEventOutbox,
  TriageService,
  CommandService,
  MonitorSettingsService,
  NotificationService,
  IncidentFeed,
  VerdictProbeService,
];

/**
 * Most tokens a document may have: graphql-js's own validation rules take ~100 ms on a document of
 * 1,000 aliased fields (12k tokens), so larger documents are refused while parsing. The largest
 * operation the console and the benchmark send has a few hundred.
 */
export const MAX_DOCUMENT_TOKENS = 10_000;

/**
 * graphql-ws parses with graphql-js's defaults (no token limit): an authenticated subscription
 * document is parsed here first with MAX_DOCUMENT_TOKENS, as Apollo does over HTTP, and refused when
 * longer. The documents that pass are parsed a second time by graphql-ws (a few hundred tokens).
 */
export function documentTokenLimit(query: string): GraphQLError[] | undefined {
  try {
    parse(query, { maxTokens: MAX_DOCUMENT_TOKENS });
    return undefined;
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    return [
      new GraphQLError(error.message, {
        extensions: { ...error.extensions, code: 'GRAPHQL_PARSE_FAILED' },
      }),
    ];
  }
}

/** Validation used for every operation, over HTTP and over graphql-ws. */
export function apiValidationRules(settings: ApiSettings) {
  return [
    depthLimitRule(settings.maxDepth),
    complexityLimitRule(settings.maxComplexity, settings.maxPageSize),
  ];
}

/**
 * The GraphQL API (code-first, Apollo, subscriptions over graphql-ws at the same path, /graphql).
 * The host owns the DataSource and the bus and closes them after the app closed.
 */
@Module({})
export class ApiModule {
  static forRootAsync(options: ApiModuleAsyncOptions): DynamicModule {
    const core: DynamicModule = {
      module: ApiCoreModule,
      imports: options.imports ?? [],
      providers: [
        { provide: API_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] },
        {
          provide: API_DATA_SOURCE,
          useFactory: (o: ApiModuleOptions) => o.dataSource,
          inject: [API_OPTIONS],
        },
        { provide: API_BUS, useFactory: (o: ApiModuleOptions) => o.bus, inject: [API_OPTIONS] },
        { provide: API_SETTINGS, useFactory: (o: ApiModuleOptions) => o.settings, inject: [API_OPTIONS] },
        ...SERVICES,
      ],
      exports: [API_DATA_SOURCE, API_BUS, API_SETTINGS, ...SERVICES],
    };
    return {
      module: ApiModule,
      imports: [
        core,
        GraphQLModule.forRootAsync<ApolloDriverConfig>({
          driver: ApolloDriver,
          imports: [core],
          // The host's Prometheus registry (ObservabilityModule) when it has one.
          inject: [API_SETTINGS, ApiContextFactory, { token: Registry, optional: true }],
          useFactory: (
            settings: ApiSettings,
            contexts: ApiContextFactory,
            registry: Registry | undefined,
          ): ApolloDriverConfig => graphqlOptions(settings, contexts, registry),
        }),
      ],
      providers: [RolesGuard, ...API_RESOLVERS],
      exports: [core],
    };
  }
}

function graphqlOptions(
  settings: ApiSettings,
  contexts: ApiContextFactory,
  registry: Registry | undefined,
): ApolloDriverConfig {
  const logger = new Logger('GraphQL');
  const rules = apiValidationRules(settings);
  // Nest's type omits `validate` and `onSubscribe`, but passes every graphql-ws option through: the
  // limits apply to subscriptions too, and graphql-ws validates before it builds the context, so the
  // key is checked first in onSubscribe (refusing the operation before validation).
  const wsOptions: Pick<ServerOptions, 'validate' | 'onSubscribe'> & { path: string } = {
    path: '/graphql',
    onSubscribe: async (ctx, _id, payload) => {
      if (!(await contexts.authenticate(ctx))) return [unauthenticated()];
      return documentTokenLimit(payload.query);
    },
    validate: (schema: GraphQLSchema, document: DocumentNode) => {
      const errors = validate(schema, document, [...specifiedRules, ...rules]);
      if (settings.development) return errors;
      return errors.map(
        (e) =>
          new GraphQLError(withoutSuggestions(e.message), {
            nodes: e.nodes,
            extensions: { ...e.extensions, code: 'GRAPHQL_VALIDATION_FAILED' },
          }),
      );
    },
  };
  return {
    path: '/graphql',
    autoSchemaFile: true,
    sortSchema: true,
    playground: false,
    introspection: settings.development,
    includeStacktraceInErrorResponses: settings.development,
    validationRules: rules,
    parseOptions: { maxTokens: MAX_DOCUMENT_TOKENS },
    context: (argument: unknown) => contexts.create(argument),
    formatError: formatErrorFor(settings.development, (message, error) =>
      logger.error(message, error instanceof Error ? error.stack : String(error)),
    ),
    subscriptions: { 'graphql-ws': wsOptions },
    // No cache hints are set or sent: Apollo's default cache-control plugin would otherwise compute
    // a policy for every resolved field (about 4% of a list request's CPU under load).
    plugins: [ApolloServerPluginCacheControlDisabled(), ...(registry ? [metricsPlugin(registry)] : [])],
  };
}
