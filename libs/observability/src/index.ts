export * from './health.registry';
export * from './json-logger';
export * from './metrics-sources';
export * from './observability.controller';
export * from './observability.module';
export * from './service-runner';
