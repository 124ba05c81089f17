export * from './data-source';
export * from './entities';
export * from './processed-events';
export * from './schema-drift';
export * from './scratch-database';
export * from './lineage-walk.sql';
export * from './incident-writes';
export * from './monitor-settings-schema';
