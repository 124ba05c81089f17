import {
  encodeVectors,
  type ActivationBatch,
  type DatasetBatch,
  type LineageEdge,
  type TrainingSignal,
} from '@damon/contracts';
import { SeededRandom } from './seeded-random';
import { pipelineEdges, STORY, type StoryPipeline } from './story-ground-truth';

export const DATA_BATCH = 100;
const EMBEDDING_DIM = 16;
const SLICES = ['math', 'code', 'chat', 'safety'] as const;
const SLICE_SHARE = [0.3, 0.3, 0.25, 0.15];
const ACCEPTANCE = 0.55;

const LAYERS = ['layer.0', 'layer.1', 'layer.2', 'layer.3'];
const LAYER_DIM = 24;
const LATENT = 8;
const LAYER_NOISE = 0.3;

/**
 * Telemetry of one pipeline of the story, drawn from a seeded generative model so that every run
 * sends the same events (same ids, same values): a restart replays them and the monitors skip what
 * they already processed. `compromised` switches on the planted effects; without it every phase
 * is drawn from the distribution of the trusted reference.
 */
export class PipelineTelemetry {
  private readonly random: SeededRandom;
  private readonly sliceCentres: Float32Array[];
  /** Direction of the slow drift of the curated data, and of the poison inside the safety slice. */
  private readonly driftDirection: Float32Array;
  private readonly poisonDirection: Float32Array;
  /** The produced model: layer l = W_l z + noise for a latent input z. */
  private readonly weights: Float32Array[];
  private readonly triggerDirection: Float32Array[];
  private readonly unobservedDirection: Float32Array[];

  constructor(
    readonly pipeline: StoryPipeline,
    readonly compromised: boolean,
    seed: number,
  ) {
    this.random = new SeededRandom(seed);
    this.sliceCentres = SLICES.map(() => this.random.direction(EMBEDDING_DIM).map((x) => x * 1.5));
    this.driftDirection = this.random.direction(EMBEDDING_DIM);
    this.poisonDirection = this.random.direction(EMBEDDING_DIM);
    this.weights = LAYERS.map(() =>
      Float32Array.from({ length: LAYER_DIM * LATENT }, () => this.random.normal() / Math.sqrt(LATENT)),
    );
    this.triggerDirection = LAYERS.map(() => this.random.direction(LAYER_DIM));
    this.unobservedDirection = LAYERS.map(() => this.random.direction(LAYER_DIM));
  }

  lineage(occurredAt: string): LineageEdge[] {
    return pipelineEdges(this.pipeline).map((e) => ({
      eventId: `${e.to.id}-lineage-${e.relation}-${e.from.id}`,
      schemaVersion: 1,
      occurredAt,
      subject: e.to,
      from: e.from,
      to: e.to,
      relation: e.relation,
    }));
  }

  /**
   * Curated batch `index`. `drift` counts batches since the trusted phase ended (0 = reference): in
   * the compromised pipeline the quality feature and the embeddings drift a little more each batch,
   * and a poisoned safety slice grows, is accepted almost always, and sits off along one direction.
   */
  datasetBatch(index: number, trusted: boolean, drift: number, occurredAt: string): DatasetBatch {
    const planted = this.compromised && drift > 0;
    const share = planted ? [0.25, 0.2, 0.15, 0.4] : SLICE_SHARE;
    const samples: DatasetBatch['samples'] = [];
    const embeddings = new Float32Array(DATA_BATCH * EMBEDDING_DIM);
    for (let i = 0; i < DATA_BATCH; i++) {
      const s = sliceOf(this.random.next(), share);
      const slice = SLICES[s];
      const poisoned = planted && slice === STORY.poisonedSlice;
      for (let j = 0; j < EMBEDDING_DIM; j++) {
        let x = this.sliceCentres[s][j] + this.random.normal();
        if (planted) x += 0.15 * drift * this.driftDirection[j];
        if (poisoned) x += 3 * this.poisonDirection[j];
        embeddings[i * EMBEDDING_DIM + j] = x;
      }
      samples.push({
        sampleId: `${this.pipeline.dataset.id}-b${index}-s${i}`,
        textHash: `h${index}-${i}-${Math.floor(this.random.next() * 1e9).toString(16)}`,
        slice,
        label: slice,
        accepted: this.random.bernoulli(poisoned ? 0.95 : ACCEPTANCE),
        features: {
          [STORY.driftingFeature]: round(0.7 + 0.1 * this.random.normal() + (planted ? 0.04 * drift : 0)),
          tokens: Math.max(
            1,
            Math.round(poisoned ? 180 + 30 * this.random.normal() : 300 + 60 * this.random.normal()),
          ),
        },
      });
    }
    return {
      eventId: `${this.pipeline.dataset.id}-batch-${index}`,
      schemaVersion: 1,
      occurredAt,
      subject: { kind: 'dataset', id: this.pipeline.dataset.id },
      batchId: `b${index}`,
      generator: { kind: 'model', id: this.pipeline.generator.id },
      trusted,
      samples,
      embeddings: encodeVectors(embeddings, [DATA_BATCH, EMBEDDING_DIM]),
    };
  }

  /**
   * Reward of training step `step` from the run's reward model, with the score a trusted reference
   * reward model gives the same sample. With `hiddenObjective` the compromised reward model adds a
   * bonus for what its hidden objective wants: rewards rise, and disagree with the reference.
   */
  reward(step: number, trusted: boolean, hiddenObjective: boolean, occurredAt: string): TrainingSignal {
    const quality = 0.5 + 0.1 * this.random.normal();
    const bonus = this.compromised && hiddenObjective ? 0.12 : 0;
    return {
      eventId: `${this.pipeline.run.id}-reward-${step}`,
      schemaVersion: 1,
      occurredAt,
      subject: { kind: 'run', id: this.pipeline.run.id },
      step,
      kind: 'reward',
      source: { kind: 'model', id: this.pipeline.rewardModel.id },
      trusted,
      value: round(quality + 0.03 * this.random.normal() + bonus),
      referenceValue: round(quality + 0.03 * this.random.normal()),
    };
  }

  /**
   * Activations of the produced model on `items` inputs. `triggers`: a quarter of the inputs carry
   * the trigger, which pushes the middle layers off their usual distribution (compromised only).
   */
  activations(index: number, items: number, trusted: boolean, triggers: boolean, occurredAt: string) {
    const latent = this.latent(items);
    const isTrigger = Array.from({ length: items }, (_, i) => this.compromised && triggers && i % 4 === 0);
    return this.activationBatch(`batch-${index}`, `batch-${index}`, latent, trusted, occurredAt, (l, i) =>
      isTrigger[i] && STORY.plantedLayers.includes(LAYERS[l] as never) ? this.triggerDirection[l] : undefined,
    );
  }

  /**
   * The same inputs framed as observed and as unobserved (two batches sharing a pairId). With
   * `planted`, the compromised model's middle layers differ when it believes it is unobserved.
   */
  framedPair(index: number, items: number, trusted: boolean, planted: boolean, occurredAt: string) {
    const latent = this.latent(items);
    const pairId = `${this.pipeline.model.id}-pair-${index}`;
    const make = (variant: 'observed' | 'unobserved') =>
      this.activationBatch(
        `pair-${index}-${variant}`,
        // The contrast matches the two variants item by item: same item ids in both.
        `pair-${index}`,
        latent,
        trusted,
        occurredAt,
        (l) =>
          this.compromised &&
          planted &&
          variant === 'unobserved' &&
          STORY.plantedLayers.includes(LAYERS[l] as never)
            ? this.unobservedDirection[l]
            : undefined,
        { pairId, variant },
      );
    return [make('observed'), make('unobserved')];
  }

  private latent(items: number): Float32Array {
    return Float32Array.from({ length: items * LATENT }, () => this.random.normal());
  }

  private activationBatch(
    batchId: string,
    itemPrefix: string,
    latent: Float32Array,
    trusted: boolean,
    occurredAt: string,
    shift: (layer: number, item: number) => Float32Array | undefined,
    framing?: ActivationBatch['framing'],
  ): ActivationBatch {
    const items = latent.length / LATENT;
    const layers = LAYERS.map((name, l) => {
      const values = new Float32Array(items * LAYER_DIM);
      const w = this.weights[l];
      for (let i = 0; i < items; i++) {
        const offset = shift(l, i);
        for (let j = 0; j < LAYER_DIM; j++) {
          let x = LAYER_NOISE * this.random.normal();
          for (let k = 0; k < LATENT; k++) x += w[j * LATENT + k] * latent[i * LATENT + k];
          if (offset) x += 4 * offset[j];
          values[i * LAYER_DIM + j] = x;
        }
      }
      return { name, dim: LAYER_DIM, vectors: encodeVectors(values, [items, LAYER_DIM]) };
    });
    return {
      eventId: `${this.pipeline.model.id}-${batchId}`,
      schemaVersion: 1,
      occurredAt,
      subject: { kind: 'model', id: this.pipeline.model.id },
      batchId,
      trusted,
      items: Array.from({ length: items }, (_, i) => ({ itemId: `${itemPrefix}-i${i}` })),
      layers,
      ...(framing ? { framing } : {}),
    };
  }
}

function sliceOf(u: number, share: readonly number[]): number {
  let acc = 0;
  for (let s = 0; s < share.length; s++) {
    acc += share[s];
    if (u < acc) return s;
  }
  return share.length - 1;
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
