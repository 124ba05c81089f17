import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { murmur2, partitionForKey } from './murmur2';

// kafkajs's own implementation (what its default partitioner uses), loaded as an independent reference.
const kafkajsMurmur2 = createRequire(__filename)('kafkajs/src/producer/partitioners/default/murmur2') as (
  key: string | Buffer,
) => number;

describe('murmur2', () => {
  it('matches the Java client (Kafka UtilsTest.testMurmur2 vectors)', () => {
    const vectors: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [key, expected] of vectors) expect(murmur2(key), key).toBe(expected);
  });

  it('agrees with kafkajs on 2,000 keys of every tail length, including non-ASCII', () => {
    for (let i = 0; i < 2_000; i += 1) {
      const key = `subject-${i}-${'é'.repeat(i % 5)}${'x'.repeat(i % 7)}`;
      expect(murmur2(key)).toBe(kafkajsMurmur2(key));
      expect(murmur2(Buffer.from(key))).toBe(kafkajsMurmur2(Buffer.from(key)));
    }
  });

  it('maps keys to partitions as kafkajs’s default partitioner does (positive hash modulo count)', () => {
    for (let i = 0; i < 500; i += 1) {
      const key = `run-${i}`;
      expect(partitionForKey(key, 3)).toBe((kafkajsMurmur2(key) & 0x7fffffff) % 3);
    }
  });
});
