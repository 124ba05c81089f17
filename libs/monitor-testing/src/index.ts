export * from './monitor-harness';
export * from './private-servers';
export * from './handler-settings';
