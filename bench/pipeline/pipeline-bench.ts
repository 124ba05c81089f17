/**
 * npm run bench:pipeline — ActivationBatches (d = 768, two layers) through the real broker into the
 * representation monitor (its own process, as deployed), against a raw kafkajs produce + consume of
 * the same bytes. Last line:
 *   pipeline: vectors_per_s=<n> bf16_vectors_per_s=<n> broker_ratio=<ours / raw> p99_alert_latency_ms=<n> workers=<n>
 * The float32 parts (raw, saturated, paced) interleave; the bfloat16 part follows them, against a
 * second monitor process with low-rank Gaussian scoring (BENCH_BF16_GAUSSIAN_RANK) and its own subject.
 * Uses KAFKA_BROKERS / DATABASE_URL when set, else starts (and stops) the servers through infra/.
 */
import { median, normalGenerator } from '@damon/detectors';
import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { KafkaBus } from '@damon/bus';
import { encodeVectors, encodeWireMessage, type ActivationBatch, type VectorDtype } from '@damon/contracts';
import { defaultWorkerCount } from '@damon/monitor-kit';
import { createDataSource, createScratchDatabase } from '@damon/persistence';
import { booleanVar, integerVar, loadConfig } from '@damon/config';
import { ensureKafka, ensurePostgres, startServiceProcess, type ServiceProcess } from '@damon/testing';
import { Kafka, logLevel } from 'kafkajs';
import { z } from 'zod';
import { benchBlasEnvironment } from '../blas-core';

const DIM = 768;
const ITEMS = 256;
const REFERENCE_BATCHES = 8;
/**
 * Batches of a paced part: about 730 alerts, so its p99 is not the second worst of a few hundred.
 * With 40 (about 195 alerts) the same code's paced p99 ranged 260–613 ms between runs.
 */
const PACED_BATCHES = 150;
const benchEnv = loadConfig(
  z.object({
    BENCH_BATCHES: integerVar({ min: 10, max: 10_000, default: 160 }),
    /** MONITOR_GAUSSIAN_RANK for the monitor: auto (exact at d = 768), full or k. */
    BENCH_GAUSSIAN_RANK: z.string().default('auto').describe('auto|full|<k>'),
    /**
     * MONITOR_GAUSSIAN_RANK of the bfloat16 part (its own monitor and subject): the low-rank path,
     * k = 128 as the detector's own 'auto' takes above its full-rank limit.
     */
    BENCH_BF16_GAUSSIAN_RANK: z.string().default('128').describe('auto|full|<k>'),
    BENCH_VERBOSE: booleanVar(false),
    /**
     * Runs the monitors at LOG_LEVEL=debug and prints, after each saturated part, where its wall time
     * went, from the engine's `timing` lines: scoring tasks, outputs (build, database writes, publish),
     * lock and idempotency, commit, and the gaps between fetched batches.
     */
    BENCH_STEP_TIMES: booleanVar(false),
    /**
     * Each part (raw, saturated, paced) runs this many times, interleaved; the medians are printed
     * (three by default: runs of the same code here differ by 10–30%).
     */
    BENCH_REPEATS: integerVar({ min: 1, max: 10, default: 3 }),
    /** Quick mode: batches per saturated part for about this many seconds at 20k vectors/s. */
    BENCH_SECONDS: integerVar({ min: 1, max: 600 }).optional(),
    /** MONITOR_WORKERS for the monitor (default: the monitor's own, cores − 1, at least 1). */
    BENCH_WORKERS: integerVar({ min: 0, max: 64 }).optional(),
    /**
     * How the bench's telemetry is serialised: `binary` (DMNB v1: a JSON header and the raw vector
     * bytes, as the SDK and the bus send by default) or `json` (vectors as base64 inside JSON).
     */
    BENCH_WIRE: z.enum(['binary', 'json']).default('binary'),
    /** A directory: the monitor runs with `node --cpu-prof` and writes its profiles there (one per thread). */
    BENCH_CPU_PROF: z.string().optional(),
    /**
     * Space-separated node flags for the monitor process, e.g. `--single-threaded-gc` (V8 flags apply
     * to its compute workers too: they share the process).
     */
    BENCH_MONITOR_NODE_FLAGS: z.string().optional(),
    /** `detect` or an OpenBLAS kernel family for the monitors (default: the environment's; ../blas-core.ts). */
    BENCH_OPENBLAS_CORETYPE: z.string().optional(),
  }),
);
const blas = benchBlasEnvironment(benchEnv.BENCH_OPENBLAS_CORETYPE);
const LAYERS = 2;
const STREAM_BATCHES =
  benchEnv.BENCH_SECONDS === undefined
    ? benchEnv.BENCH_BATCHES
    : Math.max(10, Math.round((benchEnv.BENCH_SECONDS * 20_000) / (ITEMS * LAYERS)));
const WORKERS = benchEnv.BENCH_WORKERS ?? defaultWorkerCount();

type Dtype = Extract<VectorDtype, 'float32' | 'bfloat16'>;

/** Two layers: l0 from 8 latent factors plus noise; l1 a fixed mix of l0 coordinates plus noise. */
function layerData(
  randn: () => number,
  mixing: Float32Array,
  anomalous: number,
): { l0: Float32Array; l1: Float32Array } {
  const l0 = new Float32Array(ITEMS * DIM);
  const l1 = new Float32Array(ITEMS * DIM);
  for (let r = 0; r < ITEMS; r++) {
    const z = Array.from({ length: 8 }, randn);
    for (let c = 0; c < DIM; c++) {
      let v = 0.5 * randn() + (r === anomalous ? 6 : 0);
      for (let f = 0; f < 8; f++) v += z[f] * mixing[f * DIM + c];
      l0[r * DIM + c] = v;
    }
    for (let c = 0; c < DIM; c++)
      l1[r * DIM + c] = 0.8 * l0[r * DIM + ((c * 7) % DIM)] + 0.2 * l0[r * DIM + c] + 0.3 * randn();
  }
  return { l0, l1 };
}

function batch(
  subjectId: string,
  trusted: boolean,
  layers: { l0: Float32Array; l1: Float32Array },
  dtype: Dtype = 'float32',
): ActivationBatch {
  const batchId = randomUUID();
  return {
    eventId: randomUUID(),
    schemaVersion: 1,
    occurredAt: new Date().toISOString(),
    subject: { kind: 'model', id: subjectId },
    batchId,
    trusted,
    items: Array.from({ length: ITEMS }, (_, i) => ({ itemId: `${batchId}-${i}` })),
    layers: [
      { name: 'l0', dim: DIM, vectors: encodeVectors(layers.l0, [ITEMS, DIM], 'layers.0.vectors', dtype) },
      { name: 'l1', dim: DIM, vectors: encodeVectors(layers.l1, [ITEMS, DIM], 'layers.1.vectors', dtype) },
    ],
  };
}

/** Raw kafkajs: produce the same bytes with the same key, consume them back, vectors per second. */
async function rawBaseline(brokers: string, messages: Buffer[], key: string): Promise<number> {
  const kafka = new Kafka({ clientId: 'bench-raw', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const topic = `bench.raw.${randomUUID()}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  const consumer = kafka.consumer({ groupId: `bench-raw-${randomUUID()}` });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await Promise.all([consumer.connect(), producer.connect()]);
  await consumer.subscribe({ topic, fromBeginning: true });
  let received = 0;
  let done: () => void = () => undefined;
  const all = new Promise<void>((r) => (done = r));
  await consumer.run({
    eachBatch: async ({ batch: fetched, resolveOffset, commitOffsetsIfNecessary }) => {
      for (const m of fetched.messages) {
        received += 1;
        resolveOffset(m.offset);
      }
      await commitOffsetsIfNecessary();
      if (received >= messages.length) done();
    },
  });
  await new Promise((r) => setTimeout(r, 2000)); // group join
  const started = performance.now();
  for (const value of messages) await producer.send({ topic, acks: -1, messages: [{ key, value }] });
  await all;
  const seconds = (performance.now() - started) / 1000;
  await Promise.all([consumer.disconnect(), producer.disconnect()]);
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
  return (messages.length * ITEMS * LAYERS) / seconds;
}

/** How a fused score batch names its detector in the JSON the bus writes (`encodeWireMessage`). */
const FUSED_DETECTOR_FIELD = Buffer.from('"detector":"fused-layers"');

/**
 * A raw kafkajs consumer of the topic's new records (no decoding, no validation), for watchers that
 * need only a record's key and a marker in its bytes. Resolves once it has joined its group.
 */
async function watchRaw(
  brokers: string,
  topic: string,
  onRecord: (key: string | undefined, value: Buffer) => void,
): Promise<{ stop: () => Promise<void> }> {
  const kafka = new Kafka({
    clientId: 'bench-watch',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({ groupId: `bench-watch-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: false });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.run({
    eachBatch: async ({ batch: fetched }) => {
      for (const m of fetched.messages) if (m.value) onRecord(m.key?.toString('utf8'), m.value);
      return Promise.resolve();
    },
  });
  await joined;
  return { stop: () => consumer.disconnect() };
}

async function startMonitor(env: Record<string, string | undefined>): Promise<ServiceProcess> {
  const nodeArgs = [
    ...(benchEnv.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${benchEnv.BENCH_CPU_PROF}`] : []),
    ...(benchEnv.BENCH_MONITOR_NODE_FLAGS?.split(/\s+/).filter(Boolean) ?? []),
  ];
  const monitor = startServiceProcess('apps/representation-monitor/src/main.ts', env, [], nodeArgs);
  await monitor.waitFor(/"msg":"listening"/, 120_000);
  // What the monitor's detectors run on (backend, OpenBLAS and its kernel family), as it logged it.
  const detectors = /detectors: [^"]*/.exec(monitor.output())?.[0];
  console.error(`[bench] monitor ${detectors ?? 'logged no detectors line'}`);
  return monitor;
}

/** One of the engine's debug `timing` lines (stage-monitor.engine.ts). */
type TimingLine =
  | { msg: 'fetch gap'; gapMs: number }
  | {
      msg: 'subject batch';
      events: number;
      lockMs: number;
      scoreMs: number;
      outputsMs: number;
      commitMs: number;
    };

/** The engine's `timing` lines in a part of a monitor's log, in order. */
function timingLines(log: string): TimingLine[] {
  return log
    .split('\n')
    .filter((line) => line.includes('"context":"timing"'))
    .map((line) => JSON.parse(line) as TimingLine);
}

/** A transaction's whole time: its steps (the log line gives them, not their sum). */
function transactionMs(t: Extract<TimingLine, { msg: 'subject batch' }>): number {
  return t.lockMs + t.scoreMs + t.outputsMs + t.commitMs;
}

/**
 * Shares of the wall time of the engine's logged steps (debug `timing` lines of one part): the first
 * fetch gap (the wait for the part to start) is left out.
 */
function stepShares(log: string): string {
  const sums = { score: 0, outputs: 0, lock: 0, commit: 0, gaps: 0, events: 0, fetches: 0 };
  let first = true;
  for (const entry of timingLines(log)) {
    if (entry.msg === 'fetch gap') {
      if (!first) sums.gaps += entry.gapMs;
      first = false;
      continue;
    }
    sums.score += entry.scoreMs;
    sums.outputs += entry.outputsMs;
    sums.lock += entry.lockMs;
    sums.commit += entry.commitMs;
    sums.events += entry.events;
    sums.fetches += 1;
  }
  const wall = sums.score + sums.outputs + sums.lock + sums.commit + sums.gaps;
  const share = (ms: number) => `${Math.round((100 * ms) / wall)}%`;
  return (
    `scoring ${share(sums.score)} (${(sums.score / Math.max(1, sums.events)).toFixed(1)} ms an event), ` +
    `outputs ${share(sums.outputs)}, lock ${share(sums.lock)}, commit ${share(sums.commit)}, ` +
    `fetch gaps ${share(sums.gaps)} (${sums.events} events in ${sums.fetches} fetches)`
  );
}

/**
 * The engine's `timing` lines of a paced part, a transaction at a time (its shares would be mostly
 * waiting for the next batch): events a transaction, the mean milliseconds of each step, and the p50
 * and p99 of a transaction's whole time.
 */
function transactionTimes(log: string): string {
  const transactions = timingLines(log).filter(
    (t): t is Extract<TimingLine, { msg: 'subject batch' }> => t.msg === 'subject batch',
  );
  const n = Math.max(1, transactions.length);
  const mean = (step: 'events' | 'lockMs' | 'scoreMs' | 'outputsMs' | 'commitMs') =>
    (transactions.reduce((sum, t) => sum + t[step], 0) / n).toFixed(1);
  const totals = transactions.map(transactionMs);
  return (
    `${transactions.length} transactions, ${mean('events')} events each, ms a transaction: lock ${mean('lockMs')} ` +
    `scoring ${mean('scoreMs')} outputs ${mean('outputsMs')} commit ${mean('commitMs')}, whole p50 ` +
    `${quantile(totals, 0.5).toFixed(0)} p99 ${quantile(totals, 0.99).toFixed(0)}`
  );
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
}

/** CPU seconds (user + system) a process has used so far, from /proc; undefined when unreadable. */
function processCpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // Fields after the ")" that ends the command name: utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/**
 * Busy, stolen and total CPU seconds of the whole machine (all cores), from /proc/stat. Steal is the
 * time the hypervisor ran something else on our virtual cores (it counts as busy): printed to tell
 * whether run-to-run noise comes from it (on this machine it stayed at 0).
 */
function machineCpuSeconds(): { busy: number; steal: number; total: number } {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const ticks = values.map(Number);
  const idle = ticks[3] + (ticks[4] ?? 0);
  const total = ticks.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: (total - idle) / 100, steal: (ticks[7] ?? 0) / 100, total: total / 100 };
}

/** The Kafka broker JVM serving `brokers` (its server.properties names the port), for CPU accounting. */
function brokerPid(brokers: string): number | undefined {
  const port = brokers.split(',')[0].split(':').at(-1);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (!args.includes('kafka.Kafka')) continue;
      const properties = args.find((a) => a.endsWith('server.properties'));
      if (properties && readFileSync(properties, 'utf8').includes(`PLAINTEXT://127.0.0.1:${port}`))
        return Number(entry);
    } catch {
      // A process that ended meanwhile, or one we may not read.
    }
  }
  return undefined;
}

/**
 * Per thread of a process: seconds it ran and seconds it waited runnable for a core (preempted by
 * another thread or process), from /proc/<pid>/task/<tid>/schedstat (nanoseconds).
 */
function threadSchedSeconds(pid: number | undefined): Map<string, { ran: number; waited: number }> {
  const threads = new Map<string, { ran: number; waited: number }>();
  if (pid === undefined) return threads;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const [ran, waited] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
      threads.set(tid, { ran: ran / 1e9, waited: waited / 1e9 });
    }
  } catch {
    // The process ended meanwhile, or the kernel keeps no schedstat.
  }
  return threads;
}

interface CpuSnapshot {
  at: number;
  machine: { busy: number; steal: number; total: number };
  bench: number;
  monitor?: number;
  monitorThreads: Map<string, { ran: number; waited: number }>;
  broker?: number;
}

function cpuSnapshot(monitorPid: number | undefined, kafkaPid: number | undefined): CpuSnapshot {
  const own = process.cpuUsage();
  return {
    at: performance.now(),
    machine: machineCpuSeconds(),
    bench: (own.user + own.system) / 1e6,
    monitor: processCpuSeconds(monitorPid),
    monitorThreads: threadSchedSeconds(monitorPid),
    broker: processCpuSeconds(kafkaPid),
  };
}

/**
 * The monitor thread that ran most between two snapshots (the compute worker, when saturated): the
 * share of the time it ran, and the share it was runnable but waited for a core.
 */
function busiestMonitorThread(from: CpuSnapshot, to: CpuSnapshot, seconds: number): string {
  let busiest: { ran: number; waited: number } | undefined;
  for (const [tid, end] of to.monitorThreads) {
    const start = from.monitorThreads.get(tid);
    if (!start) continue;
    const ran = end.ran - start.ran;
    if (!busiest || ran > busiest.ran) busiest = { ran, waited: end.waited - start.waited };
  }
  return busiest
    ? ` busiest monitor thread ran ${(busiest.ran / seconds).toFixed(2)} waited for a core ${(busiest.waited / seconds).toFixed(2)}`
    : '';
}

/**
 * CPU seconds each process and the machine spent between two snapshots, divided by `per` (the part's
 * seconds for cores busy, its vectors / 10⁶ for µs a vector), as text with `digits` decimals.
 */
function cpuSpent(from: CpuSnapshot, to: CpuSnapshot, per: number, digits: number) {
  const spent = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined ? 'n/a' : ((b - a) / per).toFixed(digits);
  return {
    monitor: spent(from.monitor, to.monitor),
    broker: spent(from.broker, to.broker),
    bench: spent(from.bench, to.bench),
    machine: spent(from.machine.busy, to.machine.busy),
    steal: spent(from.machine.steal, to.machine.steal),
  };
}

/**
 * Cores each process kept busy between two snapshots, and the cores stolen by the hypervisor, e.g.
 * `monitor 0.95 broker 0.41 bench 0.22 machine 1.9/2 steal 0.03 busiest monitor thread ran 0.80
 * waited for a core 0.12` (the thread's shares left out where the monitor has no work: the raw part).
 */
function cpuShares(from: CpuSnapshot, to: CpuSnapshot, { monitorThread = true } = {}): string {
  const seconds = (to.at - from.at) / 1000;
  const cores = (to.machine.total - from.machine.total) / seconds;
  const busy = cpuSpent(from, to, seconds, 2);
  return `cores busy: monitor ${busy.monitor} broker ${busy.broker} bench ${busy.bench} machine ${busy.machine}/${cores.toFixed(0)} steal ${busy.steal}${monitorThread ? busiestMonitorThread(from, to, seconds) : ''}`;
}

/**
 * Core time a vector cost each process and the whole machine between two snapshots (CPU seconds
 * over the part's vectors, in µs). Steadier than a rate on a shared machine: a part slowed by a
 * neighbour takes longer, but its vectors cost about the same CPU.
 */
function coreTimePerVector(
  from: CpuSnapshot,
  to: CpuSnapshot,
  vectors: number,
): { machine: number; text: string } {
  const micros = cpuSpent(from, to, vectors / 1e6, 0);
  return {
    machine: (1e6 * (to.machine.busy - from.machine.busy)) / vectors,
    text: `core µs a vector: monitor ${micros.monitor} broker ${micros.broker} bench ${micros.bench} machine ${micros.machine}`,
  };
}

/** A telemetry message's bytes on the bench's wire (BENCH_WIRE). */
function serialise(event: ActivationBatch): Buffer {
  return benchEnv.BENCH_WIRE === 'binary' ? encodeWireMessage(event) : Buffer.from(JSON.stringify(event));
}

async function main(): Promise<void> {
  console.error(`[bench] ${blas.description}`);
  const kafka = ensureKafka();
  const postgres = ensurePostgres();
  const scratch = await createScratchDatabase(postgres.url, 'damon_bench');
  const ds = await createDataSource(scratch.url, { poolSize: 1 }).initialize();
  await ds.runMigrations();
  const bus = new KafkaBus({
    brokers: kafka.url,
    clientId: 'bench',
    logger: { warn: () => undefined, error: (m) => console.error(m) },
  });
  let monitor: ServiceProcess | undefined;
  try {
    const subjectId = `bench-model-${randomUUID()}`;
    const randn = normalGenerator(42);
    const mixing = Float32Array.from({ length: 8 * DIM }, () => randn());
    const pool = Array.from({ length: 12 }, (_, i) =>
      layerData(randn, mixing, i % 4 === 3 ? (i * 37) % ITEMS : -1),
    );
    console.error(
      `[bench] ${STREAM_BATCHES} batches of ${ITEMS} items × ${LAYERS} layers × d=${DIM}, Gaussian rank ${benchEnv.BENCH_GAUSSIAN_RANK}`,
    );

    const kafkaPid = brokerPid(kafka.url);
    // One set of messages per repeat (fresh event ids, or the monitor would skip them as already
    // processed); the raw baseline of that repeat sends exactly these bytes.
    const streams = Array.from({ length: benchEnv.BENCH_REPEATS }, (_, r) =>
      Array.from({ length: STREAM_BATCHES }, (_, i) => batch(subjectId, false, pool[(i + r) % pool.length])),
    );
    const rawStreams = streams.map((stream) => stream.map(serialise));
    const bf16Subject = `bench-model-bf16-${randomUUID()}`;
    const bf16Streams = Array.from({ length: benchEnv.BENCH_REPEATS }, (_, r) =>
      Array.from({ length: STREAM_BATCHES }, (_, i) =>
        serialise(batch(bf16Subject, false, pool[(i + r + 1) % pool.length], 'bfloat16')),
      ),
    );
    console.error(`[bench] ${WORKERS} compute worker(s)`);
    console.error(
      `[bench] ${benchEnv.BENCH_WIRE} messages of ${(rawStreams[0][0].length / 1e6).toFixed(2)} MB; ${benchEnv.BENCH_REPEATS} repeats of raw / saturated / paced, medians reported`,
    );

    const monitorEnv = (rank: string) => ({
      KAFKA_BROKERS: kafka.url,
      DATABASE_URL: scratch.url,
      PORT: '0',
      // info: the bench waits for the monitor's `listening` line (debug for BENCH_STEP_TIMES).
      LOG_LEVEL: benchEnv.BENCH_STEP_TIMES ? 'debug' : 'info',
      MONITOR_GROUP: `bench-${randomUUID()}`,
      MONITOR_FROM_BEGINNING: 'false',
      MONITOR_REFERENCE_SIZE: String(REFERENCE_BATCHES * ITEMS),
      MONITOR_GAUSSIAN_RANK: rank,
      MONITOR_WORKERS: String(WORKERS),
      ...blas.env,
    });
    /** Sends the subject's trusted reference and waits for the monitor's first fit. */
    const fitReference = async (subject: string, dtype: Dtype) => {
      const fitStarted = performance.now();
      for (let i = 0; i < REFERENCE_BATCHES; i++)
        await bus.publish('damon.telemetry.repr', batch(subject, true, layerData(randn, mixing, -1), dtype));
      for (;;) {
        const result: unknown = await ds.query(
          'SELECT fit_count FROM monitor_subjects WHERE subject_id = $1',
          [subject],
        );
        if ((result as { fit_count: number }[])[0]?.fit_count === 1) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      console.error(
        `[bench] ${dtype} reference of ${REFERENCE_BATCHES * ITEMS} items fitted in ${((performance.now() - fitStarted) / 1000).toFixed(1)} s`,
      );
    };
    const monitorStarted = performance.now();
    monitor = await startMonitor(monitorEnv(benchEnv.BENCH_GAUSSIAN_RANK));
    console.error(
      `[bench] monitor listening after ${((performance.now() - monitorStarted) / 1000).toFixed(1)} s`,
    );
    const monitorPid = monitor.child.pid;
    await fitReference(subjectId, 'float32');

    const sentAt = new Map<string, number>();
    let watchedSubject = subjectId;
    const latencies: number[] = [];
    let scoredBatches = 0;
    let expectedBatches = 0;
    let lastScoredAt = 0;
    let finished: () => void = () => undefined;
    // Alerts have a consumer of their own: behind the much larger score traffic they would wait their
    // turn in the watcher, and the latency would be the watcher's.
    const alertWatcher = await bus.subscribe({
      group: `bench-watch-alerts-${randomUUID()}`,
      topics: ['damon.alerts'],
      fromBeginning: false,
      batchHandler: (messages) => {
        const now = performance.now();
        for (const m of messages) {
          const sent = sentAt.get(m.value.inputEventIds[0]);
          if (sent !== undefined) latencies.push(now - sent);
        }
        return Promise.resolve();
      },
    });
    // Every scored event yields a score batch per detector and layer (eight here, 256 items each); the
    // bench needs only the fused one of the watched subject. Decoding and validating all of them cost
    // the bench's process about a tenth of a core, on the cores the monitor is measured on, so the
    // watcher reads the records raw: the key is the subject, and the detector is found in the JSON.
    const watcher = await watchRaw(kafka.url, 'damon.scores', (key, value) => {
      if (key !== watchedSubject || scoredBatches >= expectedBatches) return;
      if (!value.includes(FUSED_DETECTOR_FIELD)) return;
      scoredBatches += 1;
      lastScoredAt = performance.now();
      if (scoredBatches === expectedBatches) finished();
    });
    await alertWatcher.ready;
    /**
     * The last alerts of a part: until none arrived for 2 s. Alerts go to their own topic, read by a
     * consumer of its own, so they may come well after the last score; a p99 or a count over only the
     * early ones would flatter.
     */
    const alertsSettled = async () => {
      for (let seen = -1; seen !== latencies.length;) {
        seen = latencies.length;
        await new Promise((done) => setTimeout(done, 2000));
      }
    };

    const rawRates: number[] = [];
    const oursRates: number[] = [];
    const ratios: number[] = [];
    const pacedP99: number[] = [];
    const bf16Rates: number[] = [];
    /** The machine's core time a vector (µs) of each raw, saturated float32 and bfloat16 part. */
    const rawCosts: number[] = [];
    const oursCosts: number[] = [];
    const bf16Costs: number[] = [];
    for (let r = 0; r < benchEnv.BENCH_REPEATS; r++) {
      const rawCpu = cpuSnapshot(monitorPid, kafkaPid);
      const raw = await rawBaseline(kafka.url, rawStreams[r], subjectId);
      const rawEnd = cpuSnapshot(monitorPid, kafkaPid);
      const rawCost = coreTimePerVector(rawCpu, rawEnd, rawStreams[r].length * ITEMS * LAYERS);
      rawCosts.push(rawCost.machine);
      console.error(
        `[bench] #${r + 1} raw kafkajs produce+consume of the same messages: ${Math.round(raw)} vectors/s (${cpuShares(rawCpu, rawEnd, { monitorThread: false })}; ${rawCost.text})`,
      );

      scoredBatches = 0;
      expectedBatches = STREAM_BATCHES;
      const allScored = new Promise<void>((done) => (finished = done));
      latencies.length = 0;
      // Only alerts on this part's own inputs count (late ones of the previous part would not).
      sentAt.clear();
      const started = performance.now();
      const logFrom = monitor.output().length;
      const oursCpu = cpuSnapshot(monitorPid, kafkaPid);
      for (let i = 0; i < STREAM_BATCHES; i++) {
        sentAt.set(streams[r][i].eventId, performance.now());
        await bus.publishRaw('damon.telemetry.repr', rawStreams[r][i], subjectId);
      }
      await allScored;
      const oursEnd = cpuSnapshot(monitorPid, kafkaPid);
      const oursCost = coreTimePerVector(oursCpu, oursEnd, STREAM_BATCHES * ITEMS * LAYERS);
      oursCosts.push(oursCost.machine);
      const oursShares = `${cpuShares(oursCpu, oursEnd)}; ${oursCost.text}`;
      const ours = (STREAM_BATCHES * ITEMS * LAYERS) / ((lastScoredAt - started) / 1000);
      await alertsSettled();
      console.error(
        `[bench] #${r + 1} saturated (producer as fast as it can): ${Math.round(ours)} vectors/s, ratio ${(ours / raw).toFixed(2)}, ${latencies.length} alerts, latency p50 ${Math.round(quantile(latencies, 0.5))} ms p99 ${Math.round(quantile(latencies, 0.99))} ms (queueing) (${oursShares})`,
      );
      if (benchEnv.BENCH_STEP_TIMES)
        console.error(`[bench] #${r + 1} saturated steps: ${stepShares(monitor.output().slice(logFrom))}`);
      rawRates.push(raw);
      oursRates.push(ours);
      ratios.push(ours / raw);

      // Alert latency is measured below saturation: batches paced at half the measured throughput,
      // so it shows the pipeline's own delay rather than the length of a queue the producer built.
      latencies.length = 0;
      // Only alerts on this part's own inputs count (late ones of the previous part would not).
      sentAt.clear();
      const paced = streams[r]
        .slice(0, Math.min(PACED_BATCHES, STREAM_BATCHES))
        .map((b) => ({ ...b, eventId: randomUUID(), occurredAt: new Date().toISOString() }));
      // Serialised before the clock starts: the latency is the pipeline's, not the bench's encoding.
      const pacedBytes = paced.map(serialise);
      const intervalMs = (1000 * ITEMS * LAYERS) / (ours / 2);
      scoredBatches = 0;
      expectedBatches = paced.length;
      const pacedScored = new Promise<void>((done) => (finished = done));
      const pacedLogFrom = monitor.output().length;
      for (const [i, b] of paced.entries()) {
        const t0 = performance.now();
        sentAt.set(b.eventId, t0);
        await bus.publishRaw('damon.telemetry.repr', pacedBytes[i], subjectId);
        await new Promise((done) => setTimeout(done, Math.max(0, intervalMs - (performance.now() - t0))));
      }
      await pacedScored;
      await alertsSettled();
      pacedP99.push(quantile(latencies, 0.99));
      console.error(
        `[bench] #${r + 1} paced at ${Math.round(ours / 2)} vectors/s: ${latencies.length} alerts, latency p50 ${Math.round(quantile(latencies, 0.5))} ms p99 ${Math.round(quantile(latencies, 0.99))} ms`,
      );
      if (benchEnv.BENCH_STEP_TIMES)
        console.error(
          `[bench] #${r + 1} paced steps: ${transactionTimes(monitor.output().slice(pacedLogFrom))}`,
        );
    }
    // The bfloat16 part: its own monitor with low-rank Gaussian scoring, and its own subject.
    await monitor.stop();
    monitor = await startMonitor(monitorEnv(benchEnv.BENCH_BF16_GAUSSIAN_RANK));
    await fitReference(bf16Subject, 'bfloat16');
    watchedSubject = bf16Subject;
    for (let r = 0; r < benchEnv.BENCH_REPEATS; r++) {
      scoredBatches = 0;
      expectedBatches = STREAM_BATCHES;
      const bf16Scored = new Promise<void>((done) => (finished = done));
      const bf16Cpu = cpuSnapshot(monitor.child.pid, kafkaPid);
      const bf16Started = performance.now();
      const bf16LogFrom = monitor.output().length;
      for (const message of bf16Streams[r])
        await bus.publishRaw('damon.telemetry.repr', message, bf16Subject);
      await bf16Scored;
      const rate = (STREAM_BATCHES * ITEMS * LAYERS) / ((lastScoredAt - bf16Started) / 1000);
      bf16Rates.push(rate);
      const bf16End = cpuSnapshot(monitor.child.pid, kafkaPid);
      const bf16Cost = coreTimePerVector(bf16Cpu, bf16End, bf16Streams[r].length * ITEMS * LAYERS);
      bf16Costs.push(bf16Cost.machine);
      console.error(
        `[bench] #${r + 1} bfloat16 saturated (Gaussian rank ${benchEnv.BENCH_BF16_GAUSSIAN_RANK}): ${Math.round(rate)} vectors/s, messages of ${(bf16Streams[r][0].length / 1e6).toFixed(2)} MB (${cpuShares(bf16Cpu, bf16End)}; ${bf16Cost.text})`,
      );
      if (benchEnv.BENCH_STEP_TIMES)
        console.error(
          `[bench] #${r + 1} bfloat16 saturated steps: ${stepShares(monitor.output().slice(bf16LogFrom))}`,
        );
    }
    await Promise.all([watcher.stop(), alertWatcher.stop()]);
    console.error(
      `[bench] medians: raw ${Math.round(median(rawRates))} vectors/s, ours ${Math.round(median(oursRates))} vectors/s; the machine's core µs a vector: raw ${median(rawCosts).toFixed(0)}, float32 ${median(oursCosts).toFixed(0)}, bfloat16 ${median(bf16Costs).toFixed(0)}`,
    );
    console.log(
      `pipeline: vectors_per_s=${Math.round(median(oursRates))} bf16_vectors_per_s=${Math.round(median(bf16Rates))} broker_ratio=${median(ratios).toFixed(2)} p99_alert_latency_ms=${Math.round(median(pacedP99))} workers=${WORKERS}`,
    );
  } finally {
    if (monitor) {
      await monitor.stop();
      if (benchEnv.BENCH_VERBOSE) console.error(monitor.output());
    }
    await bus.close();
    await ds.destroy();
    await scratch.drop();
    kafka.stop();
    postgres.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
