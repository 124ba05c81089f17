import type { Bus } from '@damon/bus';
import { STORY } from './story-ground-truth';
import { DATA_BATCH, PipelineTelemetry } from './story-telemetry';

const TRUSTED_DATA_BATCHES = 12;
const TRUSTED_REWARD_STEPS = 2000;
const REPR_BATCH = 64;
const TRUSTED_REPR_BATCHES = 6;
const TRUSTED_REPR_PAIRS = 17;
/** Ticks of the untrusted phase (one a second). */
const TICKS = 20;

/**
 * How much trusted reference the story sends per subject, in each stage's unit: the monitors'
 * reference sizes must equal these, so that every baseline is fitted on exactly the trusted phase.
 */
export const STORY_REFERENCE = {
  dataSamples: TRUSTED_DATA_BATCHES * DATA_BATCH,
  signalSteps: TRUSTED_REWARD_STEPS,
  activationRows: (TRUSTED_REPR_BATCHES + 2 * TRUSTED_REPR_PAIRS) * REPR_BATCH,
} as const;

export interface StoryScenarioOptions {
  bus: Bus;
  log?: (line: string) => void;
  /** Seconds between ticks of the untrusted phase (default 1). */
  tickSeconds?: number;
  now?: () => Date;
}

/**
 * The built-in story, streamed through the public contracts as an SDK would (validated by the bus
 * before it publishes). First the lineage and a trusted reference phase for both pipelines; then,
 * one tick a second, the compromised pipeline drifts and carries its planted effects while the
 * clean one keeps sending traffic of its reference distribution — briefly, since every scored unit
 * is a test at the monitors' α: a clean pipeline streaming forever would eventually raise a false
 * alarm at the rate it was calibrated for.
 */
export class StoryScenario {
  private stopped = false;
  private wake?: () => void;
  /** Telemetry events published (lineage edges not counted: the monitors do not consume them). */
  published = 0;
  lineageEdges = 0;

  constructor(private readonly options: StoryScenarioOptions) {}

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  /** Resolves when the story has been played (or stopped). */
  async play(): Promise<void> {
    const { bus } = this.options;
    const log = this.options.log ?? (() => undefined);
    const now = () => (this.options.now?.() ?? new Date()).toISOString();
    const bad = new PipelineTelemetry(STORY.compromised, true, 20261202);
    const good = new PipelineTelemetry(STORY.clean, false, 7);
    const pipelines = [bad, good];

    const at = now();
    for (const p of pipelines) {
      const edges = p.lineage(at);
      await bus.publishMany('damon.lineage', edges);
      this.lineageEdges += edges.length;
    }
    log('scenario: lineage published; streaming the trusted reference phase of both pipelines');
    for (const p of pipelines) {
      for (let b = 0; b < TRUSTED_DATA_BATCHES && !this.stopped; b++)
        await this.send(() => bus.publish('damon.telemetry.data', p.datasetBatch(b, true, 0, now())));
      for (let step = 0; step < TRUSTED_REWARD_STEPS && !this.stopped; step += 250) {
        const signals = Array.from({ length: Math.min(250, TRUSTED_REWARD_STEPS - step) }, (_, i) =>
          p.reward(step + i, true, false, now()),
        );
        await this.send(() => bus.publishMany('damon.telemetry.training', signals), signals.length);
      }
      for (let b = 0; b < TRUSTED_REPR_BATCHES && !this.stopped; b++)
        await this.send(() =>
          bus.publish('damon.telemetry.repr', p.activations(b, REPR_BATCH, true, false, now())),
        );
      for (let pair = 0; pair < TRUSTED_REPR_PAIRS && !this.stopped; pair++)
        await this.send(
          () => bus.publishMany('damon.telemetry.repr', p.framedPair(pair, REPR_BATCH, true, false, now())),
          2,
        );
    }
    log('scenario: reference phase sent; the compromised pipeline now drifts, the clean one does not');

    let badStep = TRUSTED_REWARD_STEPS;
    let goodStep = TRUSTED_REWARD_STEPS;
    for (let t = 1; t <= TICKS && !this.stopped; t++) {
      const when = now();
      if (t <= 6)
        await this.send(() =>
          bus.publish('damon.telemetry.data', bad.datasetBatch(TRUSTED_DATA_BATCHES + t - 1, false, t, when)),
        );
      if (t % 2 === 0 && t <= 6)
        await this.send(() =>
          bus.publish(
            'damon.telemetry.data',
            good.datasetBatch(TRUSTED_DATA_BATCHES + t / 2 - 1, false, 0, when),
          ),
        );
      const rewards = Array.from({ length: 6 }, () => {
        const step = badStep++;
        // The hidden objective starts to pay 20 steps into training on the drifted data.
        return bad.reward(step, false, step - TRUSTED_REWARD_STEPS >= 20, when);
      });
      await this.send(() => bus.publishMany('damon.telemetry.training', rewards), rewards.length);
      await this.send(() =>
        bus.publish('damon.telemetry.training', good.reward(goodStep++, false, false, when)),
      );
      if (t === 8 || t === 10)
        await this.send(() =>
          bus.publish(
            'damon.telemetry.repr',
            bad.activations(TRUSTED_REPR_BATCHES + t, REPR_BATCH, false, true, when),
          ),
        );
      if (t === 12 || t === 14)
        await this.send(
          () =>
            bus.publishMany(
              'damon.telemetry.repr',
              bad.framedPair(TRUSTED_REPR_PAIRS + t, REPR_BATCH, false, true, when),
            ),
          2,
        );
      if (t === 9)
        await this.send(() =>
          bus.publish('damon.telemetry.repr', good.activations(TRUSTED_REPR_BATCHES, 16, false, false, when)),
        );
      if (t === 13)
        await this.send(
          () =>
            bus.publishMany(
              'damon.telemetry.repr',
              good.framedPair(TRUSTED_REPR_PAIRS, 8, false, false, when),
            ),
          2,
        );
      await this.sleep((this.options.tickSeconds ?? 1) * 1_000);
    }
    if (!this.stopped)
      log(
        `scenario: story played (${this.published} telemetry events, ${this.lineageEdges} lineage edges); the monitors and the correlator take it from here`,
      );
  }

  private async send(publish: () => Promise<void>, events = 1): Promise<void> {
    if (this.stopped) return;
    await publish();
    this.published += events;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
