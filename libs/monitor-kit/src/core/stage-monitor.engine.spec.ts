import { randomUUID } from 'node:crypto';
import { MemoryBus, type Bus, type ReceivedMessage } from '@damon/bus';
import {
  type ActivationBatch,
  type ArtifactRef,
  type DeadLetter,
  type ScoreBatch,
  type StageAlert,
} from '@damon/contracts';
import { JsonLogger } from '@damon/observability';
import { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { describe, expect, it } from 'vitest';
import type { BaselineStore } from './baseline-store';
import { InlineComputePool, type ComputePool } from './compute-pool';
import type { ComputeResult, ComputeTask } from './compute-tasks';
import { MonitorMetrics } from './monitor-metrics';
import type { DetectorState } from './stage-handler';
import { StageMonitorEngine } from './stage-monitor.engine';
import { ToyStageHandler } from './testing/toy-stage.handler';
import { TOY_BATCH, TOY_DIM, toyBatch, toySettings } from './testing/toy-fixtures';

/**
 * The engine's own logic without a database: the store is an in-memory one behind the same methods,
 * and the "transaction" snapshots it and restores it when the callback throws, so what the engine
 * does with a failure (roll back ids, stream state and outputs together) is visible. The real SQL
 * and its locks are covered by stage-monitor.engine.integration-spec.ts.
 */
const DIM = TOY_DIM;
const BATCH = TOY_BATCH;
const REFERENCE_BATCHES = 3;
const defaults = toySettings(REFERENCE_BATCHES);

interface Tables {
  processed: string[];
  subjects: Record<string, Record<string, unknown>>;
  references: Record<string, { eventId: string; payload: Buffer }[]>;
  baselines: Record<string, { version: number; states: Record<string, DetectorState> }>;
}

class MemoryDatabase {
  tables: Tables = { processed: [], subjects: {}, references: {}, baselines: {} };
  transactions = 0;

  /** A DataSource whose transaction rolls every table back when its callback throws. */
  dataSource(): DataSource {
    return {
      transaction: async <T>(work: (manager: unknown) => Promise<T>): Promise<T> => {
        this.transactions += 1;
        const before = structuredClone(this.tables);
        try {
          return await work(this.manager());
        } catch (error) {
          this.tables = before;
          throw error;
        }
      },
    } as unknown as DataSource;
  }

  /** Answers the one statement the engine sends itself: recordProcessedMany's insert. */
  private manager() {
    return {
      query: (sql: string, params: [string, string[]]) => {
        if (!sql.includes('INSERT INTO processed_events')) throw new Error(`unexpected SQL: ${sql}`);
        const [group, ids] = params;
        const fresh = ids.filter((id) => !this.tables.processed.includes(`${group}/${id}`));
        this.tables.processed.push(...fresh.map((id) => `${group}/${id}`));
        return Promise.resolve(fresh.map((id) => ({ event_id: id })));
      },
    };
  }

  store(): BaselineStore {
    const key = (s: ArtifactRef) => `${s.kind}/${s.id}`;
    const store = {
      lockSubject: (_m: unknown, subject: ArtifactRef) => {
        this.tables.subjects[key(subject)] ??= {
          phase: 'learning',
          referenceItems: 0,
          baselineVersion: 0,
          fitCount: 0,
          streamState: {},
        };
        return Promise.resolve(structuredClone(this.tables.subjects[key(subject)]));
      },
      saveSubject: (_m: unknown, row: Record<string, unknown> & { subject?: never }) => {
        const [k] = Object.entries(this.locked).find(([, r]) => r === row) ?? [];
        if (k) this.tables.subjects[k] = structuredClone(row);
        return Promise.resolve();
      },
      settingsOverride: () => Promise.resolve(undefined),
      appendReference: (
        _m: unknown,
        row: Record<string, unknown>,
        eventId: string,
        _i: number,
        payload: Buffer,
      ) => {
        const k = Object.entries(this.locked).find(([, r]) => r === row)?.[0] as string;
        (this.tables.references[k] ??= []).push({ eventId, payload });
        return Promise.resolve();
      },
      loadReference: (_m: unknown, subject: ArtifactRef) =>
        Promise.resolve(this.tables.references[key(subject)] ?? []),
      clearReference: (_m: unknown, subject: ArtifactRef) => {
        delete this.tables.references[key(subject)];
        return Promise.resolve();
      },
      saveBaselines: (
        _m: unknown,
        subject: ArtifactRef,
        version: number,
        states: Record<string, DetectorState>,
      ) => {
        this.tables.baselines[key(subject)] = { version, states };
        return Promise.resolve();
      },
      loadBaselines: (_m: unknown, subject: ArtifactRef, version: number) => {
        const stored = this.tables.baselines[key(subject)];
        return Promise.resolve(stored?.version === version ? stored.states : undefined);
      },
    };
    // The row the engine holds is the object lockSubject returned: remember it by subject.
    const lock = store.lockSubject;
    store.lockSubject = async (m, subject) => {
      const row = await lock(m, subject);
      this.locked[key(subject)] = row;
      return row;
    };
    return store as unknown as BaselineStore;
  }

  private readonly locked: Record<string, Record<string, unknown>> = {};
}

const batch = toyBatch;

let offset = 0;
function received(event: ActivationBatch): ReceivedMessage {
  return {
    topic: 'damon.telemetry.repr',
    partition: 0,
    offset: String(offset++),
    key: event.subject.id,
    value: event,
    raw: Buffer.from(JSON.stringify(event)),
    attempt: 1,
  };
}

/**
 * A pool of `size` workers, each an inline pool of its own (so each loads the baseline itself, as a
 * worker thread does): tasks go to an idle worker, and the first score task is held back a little,
 * so the chunks of a split batch finish out of order. Records the events of each scored task.
 */
class RecordingPool implements ComputePool {
  readonly mode = 'worker-threads' as const;
  readonly scoreTasks: number[] = [];
  /** Each score task's step and events, in order of completion. */
  readonly steps: string[] = [];
  maxInFlight = 0;
  private inFlight = 0;
  private held = 0;
  private readonly workers: InlineComputePool[];
  private readonly idle: InlineComputePool[];

  constructor(
    readonly size: number,
    handler: () => ToyStageHandler,
  ) {
    this.workers = Array.from({ length: size }, () => new InlineComputePool(handler()));
    this.idle = [...this.workers];
  }

  async run<T extends ComputeTask>(task: T): Promise<ComputeResult<T>> {
    const worker = this.idle.shift();
    if (!worker) throw new Error('RecordingPool: more tasks than workers at once');
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (task.kind === 'score' && this.held++ === 0) await new Promise((resolve) => setTimeout(resolve, 30));
      const result = await worker.run(task);
      // Scored tasks only (a worker that had not loaded the baseline answers needStates first).
      if (task.kind === 'score' && !('needStates' in result)) {
        this.scoreTasks.push(task.events.length);
        this.steps.push(`${task.step ?? 'whole'}:${task.events.length}${task.parts ? ' from parts' : ''}`);
      }
      return result;
    } finally {
      this.inFlight -= 1;
      this.idle.push(worker);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
  }
}

function setup(wrap: (bus: Bus) => Bus = (bus) => bus, pool?: ComputePool, handler = new ToyStageHandler()) {
  const db = new MemoryDatabase();
  const bus = new MemoryBus({ logger: { warn: () => undefined, error: () => undefined } });
  const published = { scores: [] as ScoreBatch[], alerts: [] as StageAlert[], dlq: [] as DeadLetter[] };
  const recording = Object.assign(Object.create(bus) as Bus, {
    publishMany: (topic: string, payloads: unknown[]) => {
      if (topic === 'damon.scores') published.scores.push(...(payloads as ScoreBatch[]));
      if (topic === 'damon.alerts') published.alerts.push(...(payloads as StageAlert[]));
      return Promise.resolve();
    },
    publish: (topic: string, payload: unknown) => {
      if (topic === 'damon.dlq') published.dlq.push(payload as DeadLetter);
      return Promise.resolve();
    },
  });
  const metrics = new MonitorMetrics(new Registry(), 'representations');
  const engine = new StageMonitorEngine(
    handler,
    db.dataSource(),
    wrap(recording),
    metrics,
    new JsonLogger('error'),
    {
      group: 'engine-unit',
      defaults,
      pool: pool ?? new InlineComputePool(new ToyStageHandler()),
      store: db.store(),
    },
  );
  return { db, engine, published, metrics };
}

/** A new subject whose baseline the engine has learnt and fitted from trusted batches; its id. */
async function fittedSubject(engine: StageMonitorEngine): Promise<string> {
  const s = `model-${randomUUID()}`;
  await engine.handleTelemetry(
    Array.from({ length: REFERENCE_BATCHES }, () => received(batch(s, { trusted: true }))),
  );
  return s;
}

const order = (scores: ScoreBatch[]) =>
  scores.filter((s) => s.detector === 'toy-order').map((s) => s.items[0].score);

describe('StageMonitorEngine (unit: in-memory store and bus)', () => {
  it('learns the trusted reference, fits once it is full, then scores in order', async () => {
    const { db, engine, published } = setup();
    const s = `model-${randomUUID()}`;
    const reference = Array.from({ length: REFERENCE_BATCHES }, () => received(batch(s, { trusted: true })));
    await engine.handleTelemetry(reference.slice(0, 2));
    expect(db.tables.subjects[`model/${s}`].phase).toBe('learning');
    expect(db.tables.baselines[`model/${s}`]).toBeUndefined();
    await engine.handleTelemetry([reference[2], received(batch(s)), received(batch(s, { planted: 4 }))]);
    const row = db.tables.subjects[`model/${s}`];
    expect(row.phase).toBe('monitoring');
    expect(row.baselineVersion).toBe(1);
    expect(row.fitCount).toBe(1);
    // The reference is cleared once fitted; the two later events were scored after the fit.
    expect(db.tables.references[`model/${s}`]).toBeUndefined();
    expect(order(published.scores)).toEqual([1, 2]);
    expect(published.alerts).toHaveLength(1);
    expect(published.alerts[0].evidence.itemId).toMatch(/-4$/);
    await engine.dispose();
  });

  it('skips redelivered ids, and an id repeated inside one batch, as duplicates', async () => {
    const { engine, published, db } = setup();
    const s = await fittedSubject(engine);
    const event = batch(s);
    await engine.handleTelemetry([received(event), received(event)]);
    await engine.handleTelemetry([received(event)]);
    expect(order(published.scores)).toEqual([1]);
    expect(db.tables.processed.filter((p) => p.endsWith(event.eventId))).toHaveLength(1);
    await engine.dispose();
  });

  it('rolls ids and stream state back with a failed publish, and the retry outputs the same ids', async () => {
    let failures = 0;
    const { engine, published, db } = setup((bus) =>
      Object.assign(Object.create(bus) as Bus, {
        publishMany: (topic: never, payloads: never[]) => {
          if (topic === 'damon.alerts' && failures < 1) {
            failures += 1;
            return Promise.reject(new Error('alerts refused (test)'));
          }
          return bus.publishMany(topic, payloads);
        },
      }),
    );
    const s = await fittedSubject(engine);
    const planted = received(batch(s, { planted: 2 }));
    await expect(engine.handleTelemetry([planted])).rejects.toThrow('alerts refused');
    expect(db.tables.processed.some((p) => p.endsWith((planted.value as ActivationBatch).eventId))).toBe(
      false,
    );
    await engine.handleTelemetry([planted]);
    // Scores of the failed attempt were published before the failure; the retry republishes the same
    // ids at the same stream position, because the stream state rolled back too.
    expect(order(published.scores)).toEqual([1, 1]);
    expect(
      new Set(published.scores.filter((x) => x.detector === 'toy-order').map((x) => x.eventId)).size,
    ).toBe(1);
    expect(published.alerts).toHaveLength(1);
    await engine.dispose();
  });

  it('dead-letters an event of another width and scores the rest of the batch', async () => {
    const { engine, published } = setup();
    const s = await fittedSubject(engine);
    const wrong = received(batch(s, { dim: DIM + 1 }));
    await engine.handleTelemetry([received(batch(s)), wrong, received(batch(s))]);
    expect(published.dlq).toHaveLength(1);
    expect(published.dlq[0].offset).toBe(wrong.offset);
    expect(published.dlq[0].reason).toMatch(/dimension 5 does not match .* 4/);
    expect(order(published.scores)).toEqual([1, 2]);
    await engine.dispose();
  });

  it('processes different subjects of one batch in their own transactions', async () => {
    const { engine, db } = setup();
    const [a, b] = [`model-${randomUUID()}`, `model-${randomUUID()}`];
    const before = db.transactions;
    await engine.handleTelemetry([
      received(batch(a, { trusted: true })),
      received(batch(b, { trusted: true })),
      received(batch(a, { trusted: true })),
    ]);
    expect(db.transactions - before).toBe(2);
    expect(db.tables.subjects[`model/${a}`].referenceItems).toBe(2 * BATCH);
    expect(db.tables.subjects[`model/${b}`].referenceItems).toBe(BATCH);
    await engine.dispose();
  });

  it('scores a batch of independent events in parallel chunks, one per worker, outputs in event order', async () => {
    const pool = new RecordingPool(2, () => new ToyStageHandler(6, true));
    const { engine, published, db } = setup(undefined, pool, new ToyStageHandler(6, true));
    const s = await fittedSubject(engine);
    const events = Array.from({ length: 5 }, (_, i) => batch(s, i === 3 ? { planted: 1 } : {}));
    const wrong = batch(s, { dim: DIM + 1 });
    await engine.handleTelemetry([...events.slice(0, 2), wrong, ...events.slice(2)].map(received));
    // Six events, two workers: chunks of three, both in flight at once, the first finishing last.
    expect(pool.scoreTasks).toEqual([3, 3]);
    expect(pool.maxInFlight).toBe(2);
    // Published in event order (each toy-norm row names its event's items), each event once.
    expect(published.scores.map((x) => x.items[0].itemId)).toEqual(events.map((e) => e.items[0].itemId));
    expect(published.dlq).toHaveLength(1);
    expect(published.alerts).toHaveLength(1);
    expect(published.alerts[0].evidence.itemId).toBe(events[3].items[1].itemId);
    expect(db.tables.processed.filter((p) => events.some((e) => p.endsWith(e.eventId)))).toHaveLength(5);
    await engine.dispose();
    await pool.close();
  });

  it('computes the stateless parts of two-step events in parallel chunks, then scores them from the parts in one task, in order', async () => {
    const handler = () => new ToyStageHandler(6, false, true);
    const pool = new RecordingPool(2, handler);
    const { engine, published } = setup(undefined, pool, handler());
    const s = await fittedSubject(engine);
    const events = Array.from({ length: 5 }, (_, i) => batch(s, i === 3 ? { planted: 1 } : {}));
    const wrong = batch(s, { dim: DIM + 1 });
    await engine.handleTelemetry([...events.slice(0, 2), wrong, ...events.slice(2)].map(received));
    // Two chunks of three in parallel (the first finishing last), then the five good events from their parts.
    expect(pool.steps).toEqual(['parts:3', 'parts:3', 'whole:5 from parts']);
    expect(pool.maxInFlight).toBe(2);
    // The stream state is threaded through the second step: toy-order counts 1..5 in event order.
    expect(order(published.scores)).toEqual([1, 2, 3, 4, 5]);
    expect(published.scores.filter((x) => x.detector === 'toy-norm').map((x) => x.items[0].itemId)).toEqual(
      events.map((e) => e.items[0].itemId),
    );
    expect(published.dlq).toHaveLength(1);
    expect(published.alerts).toHaveLength(1);
    expect(published.alerts[0].evidence.itemId).toBe(events[3].items[1].itemId);
    await engine.dispose();
    await pool.close();
  });

  it("scores a fetch's stateful events in consecutive tasks, publishing each task's outputs while the next is scored", async () => {
    const log: string[] = [];
    const pool = new RecordingPool(1, () => new ToyStageHandler());
    const logged: ComputePool = {
      size: 1,
      mode: 'worker-threads',
      run: async (task) => {
        const result = await pool.run(task);
        if (task.kind === 'score' && !('needStates' in result)) log.push(`scored ${task.events.length}`);
        return result;
      },
      close: () => pool.close(),
    };
    const { engine, published } = setup(
      (bus) =>
        Object.assign(Object.create(bus) as Bus, {
          publishMany: (topic: never, payloads: never[]) => {
            if (topic === 'damon.scores') log.push(`published ${payloads.length}`);
            return bus.publishMany(topic, payloads);
          },
        }),
      logged,
    );
    const s = await fittedSubject(engine);
    log.length = 0;
    await engine.handleTelemetry(Array.from({ length: 9 }, () => received(batch(s))));
    // Three tasks of three events; each task's two rows an event are out before the next task is in.
    expect(log).toEqual(['scored 3', 'published 6', 'scored 3', 'published 6', 'scored 3', 'published 6']);
    // Each task starts from the stream state the one before left: toy-order counts 1..9 in event order.
    expect(order(published.scores)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await engine.dispose();
    await pool.close();
  });

  it('scores a longer run of two-step events from their parts in consecutive tasks, the stream state threaded through', async () => {
    const handler = () => new ToyStageHandler(6, false, true);
    const pool = new RecordingPool(2, handler);
    const { engine, published } = setup(undefined, pool, handler());
    const s = await fittedSubject(engine);
    await engine.handleTelemetry(Array.from({ length: 9 }, () => received(batch(s))));
    // Two chunks of parts at once (the first, held back, finishing last), then three in-order tasks.
    expect(pool.steps).toEqual([
      'parts:4',
      'parts:5',
      'whole:3 from parts',
      'whole:3 from parts',
      'whole:3 from parts',
    ]);
    expect(order(published.scores)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await engine.dispose();
    await pool.close();
  });

  it('scores events that use the stream state in one task, whatever the pool size', async () => {
    const pool = new RecordingPool(2, () => new ToyStageHandler());
    const { engine, published } = setup(undefined, pool);
    const s = await fittedSubject(engine);
    await engine.handleTelemetry(Array.from({ length: 4 }, () => received(batch(s))));
    expect(pool.scoreTasks).toEqual([4]);
    expect(order(published.scores)).toEqual([1, 2, 3, 4]);
    await engine.dispose();
    await pool.close();
  });
});
