import { randomUUID } from 'node:crypto';
import { KafkaBus, type Bus, type Subscription } from '@damon/bus';
import { encodeVectors, type ActivationBatch, type Topic, type TopicMap } from '@damon/contracts';
import { normalGenerator } from '@damon/detectors';
import { createDataSource, createScratchDatabase, type ScratchDatabase } from '@damon/persistence';
import { integrationEnv } from '@damon/testing';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import {
  loadMonitorEnv,
  MonitorKitModule,
  StageMonitorService,
  type AnyStageHandler,
  type MonitorEnv,
} from '@damon/monitor-kit';

/** Test support for the stage monitors' integration tests (libs/stage-*): real servers, scratch databases, in-process monitors, topic recorders, synthetic models. */

/** The broker and server the integration project started (or was given). */
export function servers(): { brokers: string; databaseUrl: string } {
  const env = integrationEnv();
  return { brokers: env.kafkaBrokers.join(','), databaseUrl: env.databaseUrl };
}

/** Typed rows of a query (TypeORM returns them untyped). */
export async function rows<T>(dataSource: DataSource, sql: string, parameters: unknown[] = []): Promise<T[]> {
  const result: unknown = await dataSource.query(sql, parameters);
  return result as T[];
}

export interface TestDatabase extends ScratchDatabase {
  dataSource: DataSource;
}

/** A fresh, uniquely named database with every migration applied; `drop()` removes it. */
export async function createTestDatabase(serverUrl: string): Promise<TestDatabase> {
  const scratch = await createScratchDatabase(serverUrl, 'damon_monitor_test');
  const dataSource = await createDataSource(scratch.url, { poolSize: 2 }).initialize();
  await dataSource.runMigrations();
  return {
    ...scratch,
    dataSource,
    drop: async () => {
      await dataSource.destroy();
      await scratch.drop();
    },
  };
}

export function monitorEnv(overrides: Record<string, string>): MonitorEnv {
  // Tests share the broker with earlier runs: their monitors start at the end of the topics.
  return loadMonitorEnv({ LOG_LEVEL: 'warn', PORT: '0', MONITOR_FROM_BEGINNING: 'false', ...overrides });
}

export interface RunningMonitor {
  app: INestApplication;
  service: StageMonitorService;
  url: string;
  close(): Promise<void>;
}

/** The same module the apps run, in process, listening on a free port. */
export async function startMonitor(
  handler: (env: MonitorEnv) => AnyStageHandler,
  env: MonitorEnv,
): Promise<RunningMonitor> {
  const app = await NestFactory.create(MonitorKitModule.forStage({ handler, env }), { logger: false });
  await app.listen(0, '127.0.0.1');
  const server = app.getHttpServer() as { address(): { port: number } };
  const address = server.address();
  return {
    app,
    service: app.get(StageMonitorService),
    url: `http://127.0.0.1:${address.port}`,
    close: () => app.close(),
  };
}

/** Everything published on some topics after `start()`, for one run's subjects. */
export class TopicRecorder<T extends Topic> {
  readonly messages = new Map<T, TopicMap[T][]>();
  private subscription: Subscription | undefined;

  constructor(
    private readonly bus: Bus,
    private readonly topics: readonly T[],
    private readonly keep: (topic: T, value: TopicMap[T]) => boolean = () => true,
  ) {
    for (const t of topics) this.messages.set(t, []);
  }

  async start(): Promise<void> {
    this.subscription = await this.bus.subscribe({
      group: `test-recorder-${randomUUID()}`,
      topics: this.topics,
      fromBeginning: false,
      handler: (message) => {
        if (this.keep(message.topic, message.value)) this.messages.get(message.topic)!.push(message.value);
        return Promise.resolve();
      },
    });
    await this.subscription.ready;
  }

  of<K extends T>(topic: K): TopicMap[K][] {
    return this.messages.get(topic) as TopicMap[K][];
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
  }
}

export function kafkaBus(brokers: string): KafkaBus {
  return new KafkaBus({
    brokers,
    clientId: 'monitor-test',
    logger: { warn: () => undefined, error: (m) => console.error(m) },
  });
}

export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
  pollMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/**
 * Synthetic activations of a two-layer model: l0 = z·B + noise (a few latent factors), l1 = l0·W +
 * noise, so layer Gaussians and the l0→l1 propagation are both meaningful.
 */
export class SyntheticModel {
  private readonly mixing: Float32Array;
  private readonly weights: Float32Array;
  private readonly factors = 4;

  constructor(
    readonly dim: number,
    seed = 11,
  ) {
    const randn = normalGenerator(seed);
    this.mixing = Float32Array.from({ length: this.factors * dim }, () => randn());
    this.weights = Float32Array.from({ length: dim * dim }, () => randn() / Math.sqrt(dim));
  }

  /** Rows of both layers; `anomalous` rows have l0 pushed 8 sd off along every axis. */
  sample(
    rows: number,
    randn: () => number,
    anomalous: ReadonlySet<number> = new Set(),
  ): { l0: Float32Array; l1: Float32Array } {
    const d = this.dim;
    const l0 = new Float32Array(rows * d);
    const l1 = new Float32Array(rows * d);
    for (let r = 0; r < rows; r++) {
      const z = Array.from({ length: this.factors }, () => randn());
      for (let c = 0; c < d; c++) {
        let v = 0.3 * randn();
        for (let f = 0; f < this.factors; f++) v += z[f] * this.mixing[f * d + c];
        if (anomalous.has(r)) v += 8 * (c % 2 === 0 ? 1 : -1);
        l0[r * d + c] = v;
      }
      for (let c = 0; c < d; c++) {
        let v = 0.3 * randn();
        for (let k = 0; k < d; k++) v += l0[r * d + k] * this.weights[k * d + c];
        l1[r * d + c] = v;
      }
    }
    return { l0, l1 };
  }

  batch(
    subjectId: string,
    rows: number,
    randn: () => number,
    options: { trusted?: boolean; anomalous?: ReadonlySet<number>; prefix?: string } = {},
  ): ActivationBatch {
    const { l0, l1 } = this.sample(rows, randn, options.anomalous);
    const batchId = randomUUID();
    return {
      eventId: randomUUID(),
      schemaVersion: 1,
      occurredAt: new Date().toISOString(),
      subject: { kind: 'model', id: subjectId },
      batchId,
      trusted: options.trusted ?? false,
      items: Array.from({ length: rows }, (_, i) => ({ itemId: `${options.prefix ?? batchId}-${i}` })),
      layers: [
        { name: 'l0', dim: this.dim, vectors: encodeVectors(l0, [rows, this.dim]) },
        { name: 'l1', dim: this.dim, vectors: encodeVectors(l1, [rows, this.dim]) },
      ],
    };
  }
}

/**
 * Upper `q` quantile of the number of false alerts among `n` clean items when each alerts at p ≤ α
 * with a conformal calibrator of `calibration` held-out scores: given the calibration set the rate is
 * Beta(k, calibration + 1 − k) with k = ⌊α(calibration + 1)⌋ (Vovk 2012), so the count is
 * beta-binomial. Summed exactly in log space.
 */
export function betaBinomialUpperQuantile(n: number, alpha: number, calibration: number, q: number): number {
  const a = Math.floor(alpha * (calibration + 1));
  const b = calibration + 1 - a;
  const logBeta = (x: number, y: number) => logGamma(x) + logGamma(y) - logGamma(x + y);
  const logChoose = (m: number, k: number) => logGamma(m + 1) - logGamma(k + 1) - logGamma(m - k + 1);
  let cumulative = 0;
  for (let k = 0; k <= n; k++) {
    cumulative += Math.exp(logChoose(n, k) + logBeta(k + a, n - k + b) - logBeta(a, b));
    if (cumulative >= q) return k;
  }
  return n;
}

/** Lanczos approximation (g = 7), accurate to ~1e-13 for x > 0. */
function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const xx = x - 1;
  let sum = c[0];
  for (let i = 1; i < 9; i++) sum += c[i] / (xx + i);
  const t = xx + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (xx + 0.5) * Math.log(t) - t + Math.log(sum);
}
