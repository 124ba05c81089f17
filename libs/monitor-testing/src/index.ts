export * from './monitor-harness';
