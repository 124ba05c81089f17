export * from './monitor-harness';
export * from './private-servers';
