import type { Bus } from './bus';
import { KafkaBus, type KafkaBusOptions } from './kafka-bus';
import { MemoryBus, type MemoryBusOptions } from './memory-bus';

export type BusConfig = Partial<KafkaBusOptions> &
  MemoryBusOptions & {
    /**
     * Without brokers, the in-process MemoryBus only when this is true: a process that should have
     * used Kafka never falls back to it silently (it would consume nothing anyone publishes).
     */
    memory?: boolean;
  };

/**
 * KafkaBus on the given brokers (the distributed path); the in-process MemoryBus only when asked
 * for with `memory: true` and no brokers are given (the all-in-one runner, benchmarks on one host).
 * Throws when neither is given.
 */
export function createBus(config: BusConfig = {}): Bus {
  const { memory, ...options } = config;
  const brokers =
    typeof options.brokers === 'string'
      ? options.brokers.split(',').filter((b) => b.trim())
      : options.brokers;
  if (brokers && brokers.length > 0) return new KafkaBus({ ...options, brokers });
  if (memory === true) return new MemoryBus(options);
  throw new Error(
    'no Kafka brokers given (KAFKA_BROKERS is not set): pass `memory: true` to use the in-process bus on purpose',
  );
}
