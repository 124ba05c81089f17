import { MemoryBus, SILENT_LOGGER, type Bus } from '@damon/bus';
import type { DatasetBatch, Topic, TopicMap, TrainingSignal } from '@damon/contracts';
import { describe, expect, it } from 'vitest';
import { STORY } from './story-ground-truth';
import { STORY_REFERENCE, StoryScenario } from './story-scenario';

type Sent = { topic: Topic; payload: TopicMap[Topic] };

/** Plays the story on a MemoryBus (which validates every payload) and records what was published. */
async function play(): Promise<Sent[]> {
  const memory = new MemoryBus({ logger: SILENT_LOGGER });
  const sent: Sent[] = [];
  const bus: Bus = {
    ensureTopics: (topics, partitions) => memory.ensureTopics(topics, partitions),
    publish: async (topic, payload, options) => {
      await memory.publish(topic, payload, options);
      sent.push({ topic, payload });
    },
    publishMany: async (topic, payloads) => {
      await memory.publishMany(topic, payloads);
      for (const payload of payloads) sent.push({ topic, payload });
    },
    publishRaw: (topic, value, key) => memory.publishRaw(topic, value, key),
    subscribe: memory.subscribe.bind(memory),
    health: () => memory.health(),
    close: () => memory.close(),
  };
  await new StoryScenario({ bus, tickSeconds: 0, now: () => new Date('2026-12-02T00:00:00Z') }).play();
  await memory.close();
  return sent;
}

const ofSubject = (sent: Sent[], id: string) =>
  sent.filter(
    (s) => s.topic !== 'damon.lineage' && (s.payload as { subject: { id: string } }).subject.id === id,
  );
const trustedCount = (sent: Sent[], id: string, unit: (p: Sent['payload']) => number) =>
  ofSubject(sent, id)
    .filter((s) => (s.payload as { trusted?: boolean }).trusted === true)
    .reduce((n, s) => n + unit(s.payload), 0);

describe('StoryScenario', () => {
  it('sends valid events, the same on every run, each subject trusted first and exactly its reference', async () => {
    const first = await play();
    const second = await play();
    expect(second).toEqual(first);
    expect(new Set(first.map((s) => (s.payload as { eventId: string }).eventId)).size).toBe(first.length);
    for (const p of [STORY.compromised, STORY.clean]) {
      expect(trustedCount(first, p.dataset.id, (e) => (e as DatasetBatch).samples.length)).toBe(
        STORY_REFERENCE.dataSamples,
      );
      expect(trustedCount(first, p.run.id, () => 1)).toBe(STORY_REFERENCE.signalSteps);
      expect(
        trustedCount(first, p.model.id, (e) => (e as TopicMap['damon.telemetry.repr']).items.length),
      ).toBe(STORY_REFERENCE.activationRows);
      for (const subject of [p.dataset, p.run, p.model]) {
        const trust = ofSubject(first, subject.id).map(
          (s) => (s.payload as { trusted?: boolean }).trusted === true,
        );
        // Once untrusted traffic starts, no trusted event follows (the reference is the first phase).
        expect(trust.indexOf(false)).toBeGreaterThan(0);
        expect(trust.slice(trust.indexOf(false)).every((t) => !t)).toBe(true);
      }
    }
  });

  it('plants its effects in the compromised pipeline only', async () => {
    const sent = await play();
    const safetyAcceptance = (id: string) => {
      const samples = ofSubject(sent, id)
        .map((s) => s.payload as DatasetBatch)
        .filter((b) => !b.trusted)
        .flatMap((b) => b.samples.filter((x) => x.slice === STORY.poisonedSlice));
      return samples.filter((x) => x.accepted).length / samples.length;
    };
    expect(safetyAcceptance(STORY.compromised.dataset.id)).toBeGreaterThan(0.85);
    expect(Math.abs(safetyAcceptance(STORY.clean.dataset.id) - 0.55)).toBeLessThan(0.2);

    const disagreement = (id: string, fromStep: number) => {
      const late = ofSubject(sent, id)
        .map((s) => s.payload as TrainingSignal)
        .filter((s) => s.kind === 'reward' && !s.trusted && s.step >= fromStep);
      return (
        late.reduce((a, s) => a + (s.kind === 'reward' ? s.value - (s.referenceValue ?? s.value) : 0), 0) /
        late.length
      );
    };
    expect(disagreement(STORY.compromised.run.id, STORY_REFERENCE.signalSteps + 20)).toBeGreaterThan(0.09);
    expect(Math.abs(disagreement(STORY.clean.run.id, STORY_REFERENCE.signalSteps))).toBeLessThan(0.03);
  });
});
