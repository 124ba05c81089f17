import { monitorSettingsOverrideSchema, type MonitorSettingsValues } from '@damon/persistence';

// The schemas live beside the monitor_settings table (@damon/persistence), where the API's settings
// mutations validate with them too; re-exported here for the monitors.
export {
  fusionMethodSchema,
  monitorSettingsOverrideSchema,
  monitorSettingsSchema,
  referenceModeSchema,
  type MonitorSettingsOverride,
  type MonitorSettingsValues,
} from '@damon/persistence';

export function mergeSettings(defaults: MonitorSettingsValues, override: unknown): MonitorSettingsValues {
  const parsed = monitorSettingsOverrideSchema.safeParse(override ?? {});
  // A bad row must not stop monitoring: it is ignored (and reported by whoever wrote it through the API).
  const values = parsed.success ? parsed.data : {};
  return { ...defaults, ...values, detectors: { ...defaults.detectors, ...(values.detectors ?? {}) } };
}

export function detectorEnabled(settings: MonitorSettingsValues, name: string): boolean {
  return settings.detectors[name] !== false;
}
