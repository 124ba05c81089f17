import { decodeVectors, type ActivationBatch, type ArtifactRef } from '@damon/contracts';
import type { HandlerModuleRef } from '../compute-tasks';
import type { MonitorSettingsValues } from '../monitor-settings';
import { assertBatchSize } from '../rejected-input.error';
import type { DetectorState, ScoringOutcome, ShapePart, StageHandler, StreamState } from '../stage-handler';

/** A decoded batch: row norms of its first layer. */
export interface ToyPrepared {
  event: ActivationBatch;
  norms: number[];
}

export interface ToyFitted {
  mean: number;
  sd: number;
}

/**
 * A small stage handler for the engine's own tests: it fits the mean and spread of the first
 * layer's row norms, scores each item's robust distance to them, raises one alert per item beyond
 * `alertAt` sd, and counts the events it scored per subject in its stream state (score
 * `toy-order`), so a test sees the order in which a subject's events were scored. With
 * `independentEvents` it keeps no stream state (no `toy-order`) and says its events are independent,
 * so the engine may score a subject's batch in parallel chunks; with `partEvents` it keeps the state
 * and scores in two steps (`scoreParts`: the items' distances; `score`: the rest, from them).
 */
export class ToyStageHandler implements StageHandler<'damon.telemetry.repr', ToyPrepared, ToyFitted> {
  readonly stage = 'representations' as const;
  readonly topic = 'damon.telemetry.repr' as const;
  readonly subjectKind = 'model' as const;
  readonly worker: HandlerModuleRef;

  constructor(
    private readonly alertAt = 6,
    private readonly independentEvents = false,
    private readonly partEvents = false,
  ) {
    this.worker = {
      module: __filename,
      exportName: 'ToyStageHandler',
      args: [alertAt, independentEvents, partEvents],
    };
  }

  subject(event: ActivationBatch): ArtifactRef {
    return event.subject;
  }

  trusted(event: ActivationBatch): boolean {
    return event.trusted;
  }

  independent(): boolean {
    return this.independentEvents;
  }

  partial(): boolean {
    return this.partEvents;
  }

  /** Each item's distance to the reference norms. */
  scoreParts(prepared: ToyPrepared, fitted: ToyFitted): { z: number[] } {
    return { z: prepared.norms.map((n) => Math.abs(n - fitted.mean) / (fitted.sd || 1)) };
  }

  prepare(event: ActivationBatch, settings: MonitorSettingsValues): ToyPrepared {
    assertBatchSize(event.items.length, settings.maxBatchItems, 'items', 'items');
    const decoded = event.layers.map((layer, i) => decodeVectors(layer.vectors, `layers.${i}.vectors`));
    const { rows, cols, values } = decoded[0];
    const norms = Array.from({ length: rows }, (_, r) => {
      let sum = 0;
      for (let c = 0; c < cols; c++) sum += values[r * cols + c] ** 2;
      return Math.sqrt(sum);
    });
    return { event, norms };
  }

  items(prepared: ToyPrepared): number {
    return prepared.norms.length;
  }

  shape(prepared: ToyPrepared): ShapePart[] {
    return prepared.event.layers.map((layer, i) => ({
      key: layer.name,
      dim: layer.dim,
      field: `layers.${i}`,
    }));
  }

  fit(reference: ToyPrepared[]): Record<string, DetectorState> {
    const norms = reference.flatMap((r) => r.norms);
    const mean = norms.reduce((a, b) => a + b, 0) / norms.length;
    const sd = Math.sqrt(norms.reduce((a, n) => a + (n - mean) ** 2, 0) / Math.max(1, norms.length - 1));
    return { 'toy-norm': { mean, sd } };
  }

  load(states: Record<string, DetectorState>): ToyFitted {
    return states['toy-norm'] as unknown as ToyFitted;
  }

  score(
    prepared: ToyPrepared,
    fitted: ToyFitted,
    _settings: MonitorSettingsValues,
    stream: StreamState,
    _supervised?: Record<string, DetectorState>,
    parts?: unknown,
  ): ScoringOutcome {
    const { z: distances } = (parts as { z: number[] } | undefined) ?? this.scoreParts(prepared, fitted);
    const items = distances.map((z, i) => ({
      itemId: prepared.event.items[i].itemId,
      score: z,
      pValue: Math.min(1, 1 / (1 + z * z)),
    }));
    const scores: ScoringOutcome['scores'] = [{ detector: 'toy-norm', items }];
    if (!this.independentEvents) {
      const seq = ((stream.seq as number | undefined) ?? 0) + 1;
      stream.seq = seq;
      scores.push({
        detector: 'toy-order',
        items: [{ itemId: prepared.event.batchId, score: seq, pValue: 1 }],
      });
    }
    return {
      scores,
      alerts: items
        .filter((item) => item.score > this.alertAt)
        .map((item) => ({
          detector: 'toy-norm',
          score: item.score,
          pValue: 1e-6,
          evidence: { itemId: item.itemId },
          itemKey: item.itemId,
        })),
    };
  }
}
