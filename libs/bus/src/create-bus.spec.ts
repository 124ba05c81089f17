import { describe, expect, it } from 'vitest';
import { createBus } from './create-bus';
import { KafkaBus } from './kafka-bus';
import { MemoryBus } from './memory-bus';

describe('createBus', () => {
  it('refuses to fall back to the in-process bus without brokers', () => {
    expect(() => createBus()).toThrow(/KAFKA_BROKERS is not set/);
    expect(() => createBus({ brokers: '' })).toThrow(/memory: true/);
    expect(() => createBus({ brokers: [] })).toThrow(/memory: true/);
  });

  it('uses the in-process bus only when asked for', async () => {
    const bus = createBus({ memory: true });
    expect(bus).toBeInstanceOf(MemoryBus);
    await bus.close();
  });

  it('uses Kafka whenever brokers are given, memory or not', async () => {
    for (const bus of [
      createBus({ brokers: '127.0.0.1:9092' }),
      createBus({ brokers: ['127.0.0.1:9092'], memory: true }),
    ]) {
      expect(bus).toBeInstanceOf(KafkaBus);
      await bus.close();
    }
  });
});
