import type { TopicPartition } from './bus';
import type { MemoryLog } from './memory-log';

/** What the group needs from a member: its topics, and a way to tell it the assignment changed. */
export interface GroupMember {
  readonly topics: readonly string[];
  assign(partitions: TopicPartition[]): void;
}

const tp = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/**
 * One consumer group of the in-memory bus: members, their assignment (Kafka's range assignor,
 * recomputed on every join and leave), committed offsets, and which member is working on which
 * partition right now, so a partition changes hands only between two messages.
 */
export class MemoryConsumerGroup {
  private readonly members: GroupMember[] = [];
  private readonly committed = new Map<string, number>();
  private readonly busy = new Map<string, GroupMember>();

  constructor(
    readonly name: string,
    private readonly log: MemoryLog,
  ) {}

  get size(): number {
    return this.members.length;
  }

  /**
   * Adds a member and rebalances. With `fromBeginning` false, partitions the group has never
   * committed start at their current end, so only later messages are delivered.
   */
  join(member: GroupMember, fromBeginning: boolean): void {
    if (!fromBeginning) {
      for (const topic of member.topics) {
        for (let partition = 0; partition < this.log.partitionCount(topic); partition += 1) {
          const key = tp(topic, partition);
          if (!this.committed.has(key)) this.committed.set(key, this.log.endOffset(topic, partition));
        }
      }
    }
    this.members.push(member);
    this.rebalance();
  }

  leave(member: GroupMember): void {
    const index = this.members.indexOf(member);
    if (index < 0) return;
    this.members.splice(index, 1);
    for (const [key, holder] of this.busy) if (holder === member) this.busy.delete(key);
    member.assign([]);
    this.rebalance();
  }

  committedOffset(topic: string, partition: number): number {
    return this.committed.get(tp(topic, partition)) ?? 0;
  }

  commit(topic: string, partition: number, nextOffset: number): void {
    const key = tp(topic, partition);
    // Offsets only move forward: a late commit from a previous owner must not rewind the group.
    if (nextOffset > (this.committed.get(key) ?? 0)) this.committed.set(key, nextOffset);
  }

  /** Claims a partition for one message or batch; false while another member still works on it. */
  tryClaim(member: GroupMember, topic: string, partition: number): boolean {
    const key = tp(topic, partition);
    const holder = this.busy.get(key);
    if (holder && holder !== member) return false;
    this.busy.set(key, member);
    return true;
  }

  release(member: GroupMember, topic: string, partition: number): void {
    const key = tp(topic, partition);
    if (this.busy.get(key) === member) this.busy.delete(key);
  }

  private rebalance(): void {
    const assignments = new Map<GroupMember, TopicPartition[]>(this.members.map((m) => [m, []]));
    const topics = [...new Set(this.members.flatMap((m) => m.topics))].sort();
    for (const topic of topics) {
      const consumers = this.members.filter((m) => m.topics.includes(topic));
      const count = this.log.partitionCount(topic);
      // Range assignor: contiguous ranges, the first (count % consumers) members get one more.
      const base = Math.floor(count / consumers.length);
      const extra = count % consumers.length;
      let next = 0;
      consumers.forEach((consumer, i) => {
        const take = base + (i < extra ? 1 : 0);
        for (let k = 0; k < take; k += 1) assignments.get(consumer)?.push({ topic, partition: next + k });
        next += take;
      });
    }
    for (const [member, partitions] of assignments) member.assign(partitions);
  }
}
