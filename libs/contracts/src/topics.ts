import type { z } from 'zod';
import { ActivationBatchEvent } from './activation-batch.event';
import { BaselineCommandEvent } from './baseline-command.event';
import { DatasetBatchEvent } from './dataset-batch.event';
import { DeadLetterEvent } from './dead-letter.event';
import { IncidentEventDefinition } from './incident.event';
import { LineageEdgeEvent } from './lineage-edge.event';
import { ScoreBatchEvent } from './score-batch.event';
import { StageAlertEvent } from './stage-alert.event';
import { TrainingSignalEvent } from './training-signal.event';

/** Every event kind on the bus. Topic names are frozen: a rename is a new topic. */
export const EVENTS = [
  DatasetBatchEvent,
  TrainingSignalEvent,
  ActivationBatchEvent,
  LineageEdgeEvent,
  StageAlertEvent,
  IncidentEventDefinition,
  ScoreBatchEvent,
  BaselineCommandEvent,
  DeadLetterEvent,
] as const;

type AnyEvent = (typeof EVENTS)[number];
export type Topic = AnyEvent['topic'];

/** Payload type per topic: `publish(topic, payload)` is typed end to end through this map. */
export type TopicMap = { [E in AnyEvent as E['topic']]: z.infer<E['schema']> };

export type TopicsByName = { [E in AnyEvent as E['name']]: E['topic'] };

export const TOPICS: TopicsByName = Object.fromEntries(EVENTS.map((e) => [e.name, e.topic])) as TopicsByName;

export const DLQ_TOPIC = DeadLetterEvent.topic;

const byTopic = new Map<string, AnyEvent>(EVENTS.map((e) => [e.topic, e]));

export function isTopic(topic: string): topic is Topic {
  return byTopic.has(topic);
}

export function eventDefinition<T extends Topic>(topic: T): Extract<AnyEvent, { topic: T }> {
  const definition = byTopic.get(topic);
  if (!definition) throw new Error(`unknown topic "${topic}"`);
  return definition as Extract<AnyEvent, { topic: T }>;
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Validates a payload against its topic's schema; the reason names each bad field. */
export function validateEvent<T extends Topic>(topic: T, payload: unknown): ValidationResult<TopicMap[T]> {
  const result = (eventDefinition(topic).schema as z.ZodType).safeParse(payload);
  return result.success
    ? { ok: true, value: result.data as TopicMap[T] }
    : { ok: false, reason: describeIssues(result.error.issues) };
}

export function partitionKeyOf<T extends Topic>(topic: T, payload: TopicMap[T]): string {
  return (eventDefinition(topic).partitionKey as (e: TopicMap[T]) => string)(payload);
}

/** `layers.0.vectors.shape: must be [4, 8] …; eventId: Too small …` */
export function describeIssues(issues: readonly z.core.$ZodIssue[], limit = 10): string {
  const parts = issues.slice(0, limit).map((issue) => {
    const path = issue.path.length ? issue.path.map(String).join('.') : '(root)';
    return `${path}: ${issue.message}`;
  });
  if (issues.length > limit) parts.push(`… and ${issues.length - limit} more`);
  return parts.join('; ');
}
