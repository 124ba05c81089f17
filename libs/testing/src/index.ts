export * from './local-infra';
export * from './sample-events';
