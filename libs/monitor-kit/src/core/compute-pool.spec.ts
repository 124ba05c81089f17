import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { VectorBytes } from '@damon/contracts';
import { describe, expect, it } from 'vitest';
import { withOwnByteBuffers, workerExecArgv } from './compute-pool';
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

describe('withOwnByteBuffers', () => {
  it('copies each byte view out of its fetch buffer, lists the copies to move, and leaves the task as it was', () => {
    // Two events' vectors as views into one large fetched buffer, as the wire decoder leaves them.
    const fetched = new Uint8Array(1 << 20).map((_, i) => i % 251);
    const first = new VectorBytes(fetched.buffer, 100, 12);
    const second = new VectorBytes(fetched.buffer, 5000, 8);
    const task = {
      kind: 'score',
      settings: { alpha: 0.01 },
      events: [
        { eventId: 'a', layers: [{ name: 'l0', vectors: { dtype: 'float32', shape: [1, 3], data: first } }] },
        {
          eventId: 'b',
          layers: [{ name: 'l0', vectors: { dtype: 'float16', shape: [1, 4], data: second } }],
        },
      ],
    };
    const transfer: ArrayBuffer[] = [];
    const sent = withOwnByteBuffers(task, transfer);

    expect(transfer).toHaveLength(2);
    expect(transfer.map((b) => b.byteLength)).toEqual([12, 8]);
    expect(sent.settings).toBe(task.settings); // no bytes below: shared, not copied
    const sentFirst = sent.events[0].layers[0].vectors.data;
    expect(sentFirst.buffer).toBe(transfer[0]);
    expect([...sentFirst]).toEqual([...first]);
    expect([...sent.events[1].layers[0].vectors.data]).toEqual([...second]);

    // Moving the copies to another thread detaches them and nothing else; what arrives is the bytes.
    const { port1, port2 } = new MessageChannel();
    port1.postMessage(sent, transfer);
    const received = receiveMessageOnPort(port2)?.message as typeof task;
    port1.close();
    expect(transfer[0].byteLength).toBe(0);
    expect(received.events[0].layers[0].vectors.data.buffer.byteLength).toBe(12);
    expect([...received.events[1].layers[0].vectors.data]).toEqual([...second]);
    expect(task.events[0].layers[0].vectors.data).toBe(first);
    expect(first.byteLength).toBe(12);
    expect(fetched.buffer.byteLength).toBe(1 << 20);
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
    expect(fromColumnarScores(structuredClone(packed))).toEqual(expected);
  });
});
