import type { Bus } from './bus';
import { KafkaBus, type KafkaBusOptions } from './kafka-bus';
import { MemoryBus, type MemoryBusOptions } from './memory-bus';

export type BusConfig = Partial<KafkaBusOptions> & MemoryBusOptions;

/** KafkaBus when brokers are given (the distributed path), else the in-process MemoryBus. */
export function createBus(config: BusConfig = {}): Bus {
  const brokers =
    typeof config.brokers === 'string' ? config.brokers.split(',').filter((b) => b.trim()) : config.brokers;
  if (brokers && brokers.length > 0) return new KafkaBus({ ...config, brokers });
  return new MemoryBus(config);
}
