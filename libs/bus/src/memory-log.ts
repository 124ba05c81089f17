import { partitionForKey } from './murmur2';
import type { RawRecord } from './event-codec';

interface StoredRecord {
  key: string | null;
  value: Buffer;
}

/** The in-memory partitions: append-only arrays whose indexes are the offsets. */
export class MemoryLog {
  private readonly topics = new Map<string, StoredRecord[][]>();
  private roundRobin = 0;

  constructor(private readonly defaultPartitions: number) {}

  ensure(topic: string, partitions = this.defaultPartitions): void {
    if (!Number.isInteger(partitions) || partitions < 1)
      throw new Error(`partitions must be a positive integer, got ${partitions}`);
    if (!this.topics.has(topic))
      this.topics.set(
        topic,
        Array.from({ length: partitions }, () => []),
      );
  }

  has(topic: string): boolean {
    return this.topics.has(topic);
  }

  partitionCount(topic: string): number {
    return this.partitions(topic).length;
  }

  /** Same placement as Kafka's default partitioner: murmur2 of the key; round robin without a key. */
  append(topic: string, key: string | null, value: Buffer): number {
    const partitions = this.partitions(topic);
    const partition =
      key === null ? this.roundRobin++ % partitions.length : partitionForKey(key, partitions.length);
    partitions[partition].push({ key, value });
    return partition;
  }

  endOffset(topic: string, partition: number): number {
    return this.partitions(topic)[partition].length;
  }

  read(topic: string, partition: number, from: number, max: number): RawRecord[] {
    return this.partitions(topic)
      [partition].slice(from, from + max)
      .map((stored, i) => ({
        topic,
        partition,
        offset: String(from + i),
        key: stored.key,
        value: stored.value,
      }));
  }

  private partitions(topic: string): StoredRecord[][] {
    const partitions = this.topics.get(topic);
    if (!partitions) throw new Error(`unknown topic "${topic}" (call ensureTopics first)`);
    return partitions;
  }
}
