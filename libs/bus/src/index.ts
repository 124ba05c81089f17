export * from './bus';
export { busHealthChecks, type BusHealthOptions, type HealthReport } from './bus-health';
export { createBus, type BusConfig } from './create-bus';
export { SILENT_LOGGER, backoffMs, type BatchObserver, type BusLogger } from './delivery-pipeline';
export { DependencyUnavailableError, isInfrastructureError } from './infrastructure-error';
export { KafkaBus, type KafkaBusOptions } from './kafka-bus';
export type { KafkaConsumerTuning } from './kafka-subscription';
export { MemoryBus, type MemoryBusOptions } from './memory-bus';
export { murmur2, partitionForKey } from './murmur2';
