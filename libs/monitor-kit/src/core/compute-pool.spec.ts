import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { decodeWireMessage, encodeWireMessage, VectorBytes, type ActivationBatch } from '@damon/contracts';
import { describe, expect, it } from 'vitest';
import { InlineComputePool, PiscinaComputePool, workerExecArgv } from './compute-pool';
import type { FitTask, ScoreTask } from './compute-tasks';
import { ToyStageHandler } from './testing/toy-stage.handler';
import { TOY_BATCH, TOY_DIM, toyBatch, toySettings } from './testing/toy-fixtures';
import { holdsViewOf, packByteArrays, packedLength, TransferArenas } from './transfer-arenas';
import { fromColumnarScores, toColumnarScores, type ScoreResult } from './compute-tasks';

describe('workerExecArgv', () => {
  it('drops the parent TypeScript preloads and the flags Node refuses in a worker, and keeps the rest', () => {
    expect(
      workerExecArgv([
        '--cpu-prof',
        '-r',
        'ts-node/register/transpile-only',
        '--require',
        'tsconfig-paths/register',
        '--require=ts-node/register',
        '-r',
        'reflect-metadata',
        '--max-old-space-size=4096',
        '--enable-source-maps',
        '--expose-gc',
      ]),
    ).toEqual(['--cpu-prof', '-r', 'reflect-metadata', '--enable-source-maps']);
  });

  it('gives flags a worker starts with: a monitor run with V8 flags still gets its pool', async () => {
    const execArgv = workerExecArgv([
      '--max-semi-space-size=32',
      '--max-old-space-size=2048',
      '--no-warnings',
    ]);
    expect(execArgv).toEqual(['--no-warnings']);
    const worker = new Worker('require("node:worker_threads").parentPort.postMessage(process.execArgv)', {
      eval: true,
      execArgv,
    });
    const seen = await new Promise((resolve) => worker.once('message', resolve));
    await worker.terminate();
    expect(seen).toEqual(['--no-warnings']);
  });

  it('keeps a module whose name only starts like ts-node', () => {
    expect(workerExecArgv(['-r', 'ts-node-dev-helper'])).toEqual(['-r', 'ts-node-dev-helper']);
  });
});

/** The byte sizes of a pool's free arenas. */
const sizes = (arenas: TransferArenas) => arenas.free.map((arena) => arena.byteLength);

describe('transfer arenas', () => {
  // Two events' vectors as views into one large fetched buffer, as the wire decoder leaves them.
  const fetched = new Uint8Array(1 << 20).map((_, i) => i % 251);
  const first = new VectorBytes(fetched.buffer, 100, 12);
  const second = new VectorBytes(fetched.buffer, 5001, 7);
  const task = {
    kind: 'score',
    settings: { alpha: 0.01 },
    events: [
      { eventId: 'a', layers: [{ name: 'l0', vectors: { dtype: 'float32', shape: [1, 3], data: first } }] },
      {
        eventId: 'b',
        layers: [{ name: 'l0', vectors: { dtype: 'uint8', shape: [1, 7], data: second } }],
      },
    ],
  };

  it('packs each byte view into one arena at aligned offsets, and leaves the task as it was', () => {
    expect(packedLength(task)).toBe(16 + 8);
    const arena = new ArrayBuffer(64);
    const sent = packByteArrays(task, arena);

    expect(sent.settings).toBe(task.settings); // no bytes below: shared, not copied
    const sentFirst = sent.events[0].layers[0].vectors.data;
    const sentSecond = sent.events[1].layers[0].vectors.data;
    expect([sentFirst.buffer, sentFirst.byteOffset, sentFirst.byteLength]).toEqual([arena, 0, 12]);
    expect([sentSecond.buffer, sentSecond.byteOffset, sentSecond.byteLength]).toEqual([arena, 16, 7]);
    expect([...sentFirst]).toEqual([...first]);
    expect([...sentSecond]).toEqual([...second]);
    expect(holdsViewOf(sent, arena)).toBe(true);
    expect(holdsViewOf(task, arena)).toBe(false);

    // Moving the arena to another thread detaches it and nothing else; what arrives is the bytes.
    const { port1, port2 } = new MessageChannel();
    port1.postMessage(sent, [arena]);
    const received = receiveMessageOnPort(port2)?.message as typeof task;
    port1.close();
    expect(arena.byteLength).toBe(0);
    expect([...received.events[0].layers[0].vectors.data]).toEqual([...first]);
    expect([...received.events[1].layers[0].vectors.data]).toEqual([...second]);
    expect(task.events[0].layers[0].vectors.data).toBe(first);
    expect(fetched.buffer.byteLength).toBe(1 << 20);
  });

  it('finds a view of the arena anywhere in an answer, and no other buffer', () => {
    const arena = new ArrayBuffer(32);
    const other = new Float64Array(4);
    expect(holdsViewOf({ results: [{ columns: { scores: other } }], stream: { seen: 1 } }, arena)).toBe(
      false,
    );
    expect(holdsViewOf({ stream: { kept: [new Map([['x', new Uint8Array(arena, 8, 4)]])] } }, arena)).toBe(
      true,
    );
  });

  it('reuses the smallest free arena that fits and keeps only the largest ones', () => {
    const arenas = new TransferArenas(2);
    const made = arenas.take(3_000_000);
    expect(made.byteLength).toBe(4 << 20); // 3 MB with a quarter of headroom, in whole MiB
    arenas.give(made);
    arenas.give(new ArrayBuffer(1 << 20));
    expect(arenas.take(500_000).byteLength).toBe(1 << 20);
    arenas.give(new ArrayBuffer(2 << 20));
    arenas.give(new ArrayBuffer(1 << 20)); // over the limit: the smallest goes
    expect(sizes(arenas).sort()).toEqual([2 << 20, 4 << 20].sort());
    expect(arenas.take(3_000_000)).toBe(made);
    arenas.give(new ArrayBuffer(0)); // a detached arena is not kept
    expect(sizes(arenas)).toEqual([2 << 20]);
  });
});

describe('PiscinaComputePool', () => {
  it('answers as the inline pool does, and reuses the arena its worker moved back', async () => {
    const subject = 'model-arena';
    const settings = toySettings(2);
    const reference = [0, 1].map(() => encodeWireMessage(toyBatch(subject, { trusted: true })));
    // Decoded from one fetched buffer, as the bus hands events over: the vectors are views into it.
    const events = [toyBatch(subject), toyBatch(subject, { planted: 3 })].map(
      (event) => decodeWireMessage(encodeWireMessage(event)) as ActivationBatch,
    );
    expect(events[1].layers[0].vectors.data).toBeInstanceOf(VectorBytes);
    const fit: FitTask = { kind: 'fit', subject, version: 1, settings, reference, extra: {} };
    const score = (event: ActivationBatch): ScoreTask => ({
      kind: 'score',
      subject,
      version: 1,
      settings,
      shape: { l0: TOY_DIM },
      stream: {},
      events: [event],
    });

    const inline = new InlineComputePool(new ToyStageHandler());
    const pool = new PiscinaComputePool(1, new ToyStageHandler().worker);
    try {
      expect(await pool.run(fit)).toEqual(await inline.run(fit));
      expect(sizes(pool.arenas)).toEqual([]); // a fit's arena stays with the worker
      const first = await pool.run(score(events[0]));
      expect(first).toEqual(await inline.run(score(events[0])));
      expect(sizes(pool.arenas)).toEqual([1 << 20]);
      const [sent] = pool.arenas.free;
      const second = await pool.run(score(events[1]));
      expect(second).toEqual(await inline.run(score(events[1])));
      expect(second).toMatchObject({ results: [{ outcome: { alerts: [expect.anything()] } }] });
      // The free arena went out with the task (detached here) and came back holding its bytes.
      expect(sent.byteLength).toBe(0);
      const [back] = pool.arenas.free;
      expect(sizes(pool.arenas)).toEqual([1 << 20]);
      const bytes = events[1].layers[0].vectors.data as VectorBytes;
      expect(bytes.byteLength).toBe(TOY_BATCH * TOY_DIM * 4); // the event's own bytes were only read
      expect(Buffer.from(back, 0, bytes.byteLength).equals(bytes)).toBe(true);
    } finally {
      await Promise.all([pool.close(), inline.close()]);
    }
  });
});

describe('score rows in columns between threads', () => {
  it('round-trips every event kind through a structured clone unchanged, with the numbers in typed arrays', () => {
    const result: ScoreResult = {
      stream: { seen: 3 },
      results: [
        {
          items: 2,
          outcome: {
            scores: [
              {
                detector: 'gaussian',
                layer: 'l0',
                items: [
                  { itemId: 'a', score: 1.5, pValue: 0.25 },
                  { itemId: 'b', score: 9.75, pValue: 1e-7 },
                ],
              },
              {
                detector: 'knn',
                layer: 'l0',
                items: [
                  { itemId: 'b', score: 3, pValue: 0.5 },
                  { itemId: 'c', score: 0.5, pValue: 0.75 },
                ],
              },
              { detector: 'fused-layers', items: [] },
            ],
            alerts: [{ detector: 'fused-layers', score: 9.75, pValue: 1e-7, evidence: { items: ['b'] } }],
          },
        },
        { rejected: { kind: 'dimension', message: 'wrong dimension' } },
        { items: 1, parts: { scores: [1, 2] } },
      ],
    };
    const expected = structuredClone(result);
    const packed = toColumnarScores(result);
    expect(result).toEqual(expected); // the worker's own result is left as it was
    const sentRows = (packed as { results: { outcome?: { scores: unknown[] } }[] }).results[0].outcome!
      .scores[0];
    expect(sentRows).toMatchObject({ detector: 'gaussian', layer: 'l0' });
    expect((sentRows as { columns: { scores: unknown } }).columns.scores).toBeInstanceOf(Float64Array);
    expect(sentRows).not.toHaveProperty('items');
    // Each item id crosses once an event, however many row sets name it; the rows index the table.
    const sentOutcome = (packed as unknown as { results: { outcome: { itemIdTable: string[] } }[] })
      .results[0].outcome;
    expect(sentOutcome.itemIdTable).toEqual(['a', 'b', 'c']);
    const knnRows = (sentOutcome as unknown as { scores: { columns: { itemIds: Int32Array } }[] }).scores[1];
    expect(knnRows.columns.itemIds).toEqual(Int32Array.of(1, 2));
    expect(fromColumnarScores(structuredClone(packed))).toEqual(expected);
  });
});
