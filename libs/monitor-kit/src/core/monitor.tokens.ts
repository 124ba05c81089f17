/** Nest injection tokens of the kit (values without a class of their own). */
export const MONITOR_ENV = Symbol('MONITOR_ENV');
export const STAGE_HANDLER = Symbol('STAGE_HANDLER');
export const MONITOR_BUS = Symbol('MONITOR_BUS');
/** The stage's ComputePool (createComputePool over STAGE_HANDLER and MONITOR_WORKERS). */
export const COMPUTE_POOL = Symbol('COMPUTE_POOL');
