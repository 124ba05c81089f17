export * from './seeded-random';
export * from './story-ground-truth';
export * from './story-telemetry';
export * from './story-scenario';
