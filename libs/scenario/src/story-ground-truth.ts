import type { ArtifactRef, LineageRelation } from '@damon/contracts';

/** The artifacts of one pipeline of the story: generator → dataset → run (rewarded) → model. */
export interface StoryPipeline {
  generator: ArtifactRef;
  dataset: ArtifactRef;
  rewardModel: ArtifactRef;
  run: ArtifactRef;
  model: ArtifactRef;
}

export interface StoryEdge {
  from: ArtifactRef;
  relation: LineageRelation;
  to: ArtifactRef;
}

function pipeline(prefix: string): StoryPipeline {
  return {
    generator: { kind: 'model', id: `${prefix}-generator` },
    dataset: { kind: 'dataset', id: `${prefix}-curated-data` },
    rewardModel: { kind: 'model', id: `${prefix}-reward-model` },
    run: { kind: 'run', id: `${prefix}-rlhf-run` },
    model: { kind: 'model', id: `${prefix}-assistant` },
  };
}

export function pipelineEdges(p: StoryPipeline): StoryEdge[] {
  return [
    { from: p.generator, relation: 'generated', to: p.dataset },
    { from: p.dataset, relation: 'trained', to: p.run },
    { from: p.rewardModel, relation: 'rewarded', to: p.run },
    { from: p.run, relation: 'produced', to: p.model },
  ];
}

/**
 * Ground truth of the built-in story: what was planted where. The compromised pipeline's generator
 * curates data that drifts and carries a poisoned slice, its reward model has a hidden objective that
 * shifts the run's rewards, and the model that run produced reacts to trigger inputs and to being
 * unobserved in its middle layers. The clean pipeline runs the same way with nothing planted.
 */
export const STORY = {
  compromised: pipeline('story'),
  clean: pipeline('clean'),
  /** The slice of the curated data the poison hides in. */
  poisonedSlice: 'safety',
  /** The feature whose distribution drifts, batch after batch. */
  driftingFeature: 'quality',
  /** Layers of the produced model where the planted behaviour shows. */
  plantedLayers: ['layer.1', 'layer.2'],
} as const;

/** Stage each subject of an incident belongs to. */
export const STORY_STAGES = { dataset: 'data', run: 'signals', model: 'representations' } as const;
