import {
  DLQ_TOPIC,
  WireFormatError,
  decodeWireMessage,
  encodeWireMessage,
  LIMITS,
  partitionKeyOf,
  validateEvent,
  type DeadLetter,
  type Topic,
  type TopicMap,
  type ValidationResult,
} from '@damon/contracts';
import { InvalidEventError, MessageTooLargeError } from './bus';

/** A message as it sits in a partition, before validation. */
export interface RawRecord {
  topic: string;
  partition: number;
  /** Decimal string, as Kafka offsets are 64-bit. */
  offset: string;
  key: string | null;
  value: Buffer;
}

export interface EncodedMessage {
  key: string;
  value: Buffer;
}

/**
 * Validates and serialises one payload; the key is the event's partition key unless overridden.
 * Events holding vector bytes go out in the binary wire form, the rest as JSON (`wire-message.ts`).
 */
export function encodeEvent<T extends Topic>(topic: T, payload: TopicMap[T], key?: string): EncodedMessage {
  const result = validateEvent(topic, payload);
  if (!result.ok) throw new InvalidEventError(topic, result.reason);
  const value = encodeWireMessage(result.value);
  assertMessageSize(topic, value.length);
  return { key: key ?? partitionKeyOf(topic, result.value), value };
}

export function assertMessageSize(topic: string, bytes: number): void {
  if (bytes > LIMITS.maxMessageBytes) throw new MessageTooLargeError(topic, bytes, LIMITS.maxMessageBytes);
}

export function toBuffer(value: Buffer | string): Buffer {
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
}

/**
 * Checks size, parses (JSON or binary wire form) and validates a consumed message; the reason says
 * whether size, JSON, the binary framing or the schema failed.
 */
export function decodeEvent<T extends Topic>(topic: T, raw: Buffer): ValidationResult<TopicMap[T]> {
  if (raw.length === 0) return { ok: false, reason: 'empty message (no value)' };
  // Other producers (or a broker allowing more) can put larger records on the topic than we publish.
  if (raw.length > LIMITS.maxMessageBytes)
    return {
      ok: false,
      reason: `message too large: ${raw.length} bytes, over the limit of ${LIMITS.maxMessageBytes} bytes (LIMITS.maxMessageBytes)`,
    };
  let parsed: unknown;
  try {
    parsed = decodeWireMessage(raw);
  } catch (error) {
    if (error instanceof WireFormatError) return { ok: false, reason: error.message };
    throw error;
  }
  const result = validateEvent(topic, parsed);
  return result.ok ? result : { ok: false, reason: `schema: ${result.reason}` };
}

// Room left in a dead letter for everything but the original bytes.
const DEAD_LETTER_OVERHEAD_BYTES = 64 * 1024;

/**
 * A DLQ record for one source message. The original travels in base64; when that would push the
 * dead letter over the message limit it is cut, and the reason says so, so the DLQ publish itself
 * can never fail on size and stall the partition.
 */
export function buildDeadLetter(
  record: RawRecord,
  group: string,
  kind: DeadLetter['kind'],
  reason: string,
  attempts: number,
): DeadLetter {
  const maxOriginal = Math.floor(((LIMITS.maxMessageBytes - DEAD_LETTER_OVERHEAD_BYTES) * 3) / 4);
  const truncated = record.value.length > maxOriginal;
  const original = truncated ? record.value.subarray(0, maxOriginal) : record.value;
  const cappedReason = reason.length > 8_192 ? `${reason.slice(0, 8_192)}…` : reason;
  return {
    schemaVersion: 1,
    failedAt: new Date().toISOString(),
    sourceTopic: record.topic,
    partition: record.partition,
    offset: record.offset,
    key: record.key,
    consumerGroup: group,
    kind,
    reason: truncated
      ? `${cappedReason} (original cut to ${maxOriginal} of ${record.value.length} bytes)`
      : cappedReason,
    attempts,
    originalBase64: original.toString('base64'),
  };
}

export function isDeadLetterTopic(topic: string): boolean {
  return topic === DLQ_TOPIC;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
