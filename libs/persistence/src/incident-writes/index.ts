export * from './fusion-lock';
export * from './incident-outbox';
export * from './incident-status';
export * from './silence-insert';
export * from './sql-runner';
