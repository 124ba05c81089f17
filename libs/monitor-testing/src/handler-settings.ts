import type { MonitorSettingsValues } from '@damon/monitor-kit';

/**
 * Monitor settings for a stage handler's unit tests, which call fit and score directly: the values
 * most of them share, with the test's own `overrides`.
 */
export function handlerSettings(overrides: Partial<MonitorSettingsValues> = {}): MonitorSettingsValues {
  return {
    alpha: 0.01,
    referenceSize: 4000,
    calibrationFraction: 0.3,
    referenceMode: 'trusted',
    maxBatchItems: 10_000,
    windowSize: 300,
    fusion: 'adaptive-fisher',
    detectors: {},
    ...overrides,
  };
}
