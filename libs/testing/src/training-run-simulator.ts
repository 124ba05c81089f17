import { randomUUID } from 'node:crypto';
import type { TrainingSignal } from '@damon/contracts';
import { mulberry32, normalGenerator } from '@damon/detectors';

export interface TrainingRunOptions {
  runId: string;
  seed: number;
  steps: number;
  /** Steps whose signals are marked trusted (the reference). */
  trustedSteps: number;
  /** Reward hacking: from this step the policy's reward rises while the reference reward does not. */
  hackAt?: number;
  /** Size of the hack in the reward's units, reached over `hackRamp` steps (defaults 0.25 and 20). */
  hackSize?: number;
  hackRamp?: number;
  /**
   * KL budget sent on every KL signal, as a multiple of the run's KL plateau: ≥ 1 the KL stays under
   * it; < 1 an adaptive KL controller holds the KL at its budget once it gets there (its mean is
   * capped at the budget, the noise is not, so about half the values lie above). Unset: no budget.
   */
  klBudget?: number;
  /** From this step the KL rises past its budget by `klBreachSize` budgets (default 0.5) over `klBreachRamp` steps (default 20). */
  klBreachAt?: number;
  klBreachSize?: number;
  klBreachRamp?: number;
  /** Signal kinds sent per step (default all four). */
  kinds?: readonly ('reward' | 'loss' | 'kl' | 'grad_stats')[];
}

/**
 * A seeded RLHF-like run, one reward (with a reference reward), loss, KL and gradient norm per step.
 * Curves follow training progress p(t) = Σ lr(s)/lr_max under a learning-rate schedule drawn per seed
 * (linear warm-up of 200–800 steps, then step decays ×0.3 or a cosine decay): reward rises and
 * saturates, loss falls towards a floor, KL grows, the gradient norm decays; noise is heteroscedastic
 * (it scales with the learning rate and the curve's level); the reference reward shares the true
 * reward and the per-sample quality noise and drifts slowly apart (a reference model is not the
 * policy's reward model).
 */
export class TrainingRunSimulator {
  private readonly lr: Float64Array;

  constructor(private readonly options: TrainingRunOptions) {
    const u = mulberry32(options.seed * 7919 + 1);
    const warmup = 200 + Math.floor(600 * u());
    const cosine = u() < 0.4;
    const decays = [0.35 + 0.15 * u(), 0.65 + 0.2 * u()].map((f) => Math.floor(f * options.steps));
    this.lr = Float64Array.from({ length: options.steps }, (_, t) => {
      if (t < warmup) return (t + 1) / warmup;
      if (cosine)
        return 0.05 + 0.95 * 0.5 * (1 + Math.cos((Math.PI * (t - warmup)) / (options.steps - warmup)));
      return decays.reduce((rate, at) => (t >= at ? rate * 0.3 : rate), 1);
    });
  }

  /** Every signal of the run, in step order (one per kind and step). */
  signals(): TrainingSignal[] {
    const { runId, seed, steps, trustedSteps } = this.options;
    const u = mulberry32(seed * 104729 + 3);
    const randn = normalGenerator(seed * 15485863 + 5);
    const tauReward = 1500 + 1500 * u();
    const tauLoss = 1200 + 1500 * u();
    const tauKl = 2000 + 2000 * u();
    const rewardMax = 0.6 + 0.8 * u();
    const lossStart = 2.5 + u();
    const lossFloor = 0.6 + 0.4 * u();
    const klMax = 4 + 6 * u();
    const gradStart = 3 + 4 * u();
    const driftPeriod = 3000 + 4000 * u();
    const hackSize = this.options.hackSize ?? 0.25;
    const hackRamp = this.options.hackRamp ?? 20;
    const out: TrainingSignal[] = [];
    const time = Date.UTC(2026, 0, 1);
    let progress = 0;
    for (let t = 0; t < steps; t++) {
      const lr = this.lr[t];
      progress += lr;
      const noise = 0.4 + 0.6 * lr;
      const base = (kind: string) => ({
        eventId: randomUUID(),
        schemaVersion: 1 as const,
        occurredAt: new Date(
          time + t * 1000 + ['reward', 'loss', 'kl', 'grad_stats'].indexOf(kind),
        ).toISOString(),
        subject: { kind: 'run' as const, id: runId },
        step: t,
        trusted: t < trustedSteps,
      });
      const trueReward = rewardMax * (1 - Math.exp(-progress / tauReward));
      const quality = 0.05 * noise * randn();
      const hack =
        this.options.hackAt !== undefined && t >= this.options.hackAt
          ? hackSize * Math.min(1, (t - this.options.hackAt + 1) / hackRamp)
          : 0;
      const reward = trueReward + quality + 0.04 * noise * randn() + hack;
      const referenceValue =
        trueReward + quality + 0.03 * noise * randn() + 0.02 * Math.sin((2 * Math.PI * t) / driftPeriod);
      out.push({ ...base('reward'), kind: 'reward', value: reward, referenceValue });
      const loss = lossFloor + (lossStart - lossFloor) * Math.exp(-progress / tauLoss);
      out.push({ ...base('loss'), kind: 'loss', value: loss * (1 + 0.03 * noise * randn()) });
      const budget = this.options.klBudget !== undefined ? this.options.klBudget * klMax : undefined;
      const kl = Math.min(klMax * (1 - Math.exp(-progress / tauKl)), budget ?? Infinity);
      const breach =
        budget !== undefined && this.options.klBreachAt !== undefined && t >= this.options.klBreachAt
          ? (this.options.klBreachSize ?? 0.5) *
            budget *
            Math.min(1, (t - this.options.klBreachAt + 1) / (this.options.klBreachRamp ?? 20))
          : 0;
      out.push({
        ...base('kl'),
        kind: 'kl',
        value: Math.max(0, kl + breach + (0.02 + 0.03 * kl) * noise * randn()),
        ...(budget !== undefined ? { budget } : {}),
      });
      const grad = gradStart * (0.3 + 0.7 * Math.exp(-progress / tauLoss));
      out.push({
        ...base('grad_stats'),
        kind: 'grad_stats',
        norm: grad * Math.exp(0.08 * noise * randn()),
      });
    }
    const kinds = new Set(this.options.kinds ?? ['reward', 'loss', 'kl', 'grad_stats']);
    return out.filter((s) => kinds.has(s.kind as 'reward'));
  }
}
