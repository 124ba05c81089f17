import type { LineageEdge, Stage, StageAlert } from '@damon/contracts';

type ChainKind = 'dataset' | 'run' | 'model';
export interface ChainArtifact {
  kind: ChainKind;
  id: string;
}

/** The stage whose monitor watches each artifact kind of a chain. */
export const STAGE_OF_KIND: Record<ChainKind, Stage> = {
  dataset: 'data',
  run: 'signals',
  model: 'representations',
};

export interface LineageChain {
  dataset: ChainArtifact;
  run: ChainArtifact;
  model: ChainArtifact;
  /** dataset —trained→ run —produced→ model */
  edges: LineageEdge[];
}

/**
 * The three-stage story: dataset `<prefix>-D<n>` trained run `<prefix>-R<n>`, which produced model
 * `<prefix>-M<n>`. Ids derive from the arguments, so a replay produces the same events.
 */
export function lineageChain(prefix: string, n: number, occurredAt: string): LineageChain {
  const dataset = { kind: 'dataset' as const, id: `${prefix}-D${n}` };
  const run = { kind: 'run' as const, id: `${prefix}-R${n}` };
  const model = { kind: 'model' as const, id: `${prefix}-M${n}` };
  const edge = (
    suffix: string,
    from: ChainArtifact,
    relation: LineageEdge['relation'],
    to: ChainArtifact,
  ): LineageEdge => ({
    eventId: `${prefix}-e${n}${suffix}`,
    schemaVersion: 1,
    occurredAt,
    subject: to,
    from,
    to,
    relation,
  });
  return {
    dataset,
    run,
    model,
    edges: [edge('a', dataset, 'trained', run), edge('b', run, 'produced', model)],
  };
}

/**
 * The `seq`-th lineage edge of a stream under `run`: event id `<run>-<seq>`, all on dataset `run` (one
 * key, so one partition), for tests that count what a consumer received.
 */
export function numberedEdge(run: string, seq: number): LineageEdge {
  return {
    eventId: `${run}-${seq}`,
    schemaVersion: 1,
    occurredAt: new Date().toISOString(),
    subject: { kind: 'dataset', id: run },
    from: { kind: 'model', id: `${run}-generator` },
    to: { kind: 'dataset', id: run },
    relation: 'generated',
  };
}

/**
 * A stage alert on `subject` at time `when` (ms), from the stage that watches its kind, over the
 * minute before `when`. Its event, alert and input ids derive from `id`.
 */
export function stageAlertAt(
  id: string,
  subject: ChainArtifact,
  when: number,
  finding: Pick<StageAlert, 'detector' | 'score' | 'pValue'> &
    Partial<Pick<StageAlert, 'evidence' | 'alpha'>>,
): StageAlert {
  return {
    eventId: `${id}-ev`,
    schemaVersion: 1,
    occurredAt: new Date(when).toISOString(),
    subject,
    alertId: id,
    stage: STAGE_OF_KIND[subject.kind],
    alpha: 0.01,
    evidence: {},
    ...finding,
    window: { from: new Date(when - 60_000).toISOString(), to: new Date(when).toISOString() },
    inputEventIds: [`${id}-in`],
  };
}
