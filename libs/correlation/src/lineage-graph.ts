import type { LineageRelation } from '@damon/contracts';
import type { ArtifactKey } from './artifact-key';

/** One directed lineage edge, as stored: `from` *relation* `to`. */
export interface LineageLink {
  from: ArtifactKey;
  relation: LineageRelation;
  to: ArtifactKey;
}

/**
 * The lineage graph (or the part of it around a set of subjects) in memory, walked undirected:
 * a dataset is "near" the model that generated it and the run it trained alike.
 */
export class LineageGraph {
  private readonly adjacency = new Map<ArtifactKey, { next: ArtifactKey; link: LineageLink }[]>();

  constructor(links: Iterable<LineageLink> = []) {
    for (const link of links) this.add(link);
  }

  add(link: LineageLink): void {
    this.neighbours(link.from).push({ next: link.to, link });
    this.neighbours(link.to).push({ next: link.from, link });
  }

  /** Every artifact at most `hops` edges from `seed`, the seed included. */
  neighbourhood(seed: ArtifactKey, hops: number): Set<ArtifactKey> {
    const seen = new Set<ArtifactKey>([seed]);
    let frontier = [seed];
    for (let depth = 0; depth < hops && frontier.length > 0; depth++) {
      const next: ArtifactKey[] = [];
      for (const node of frontier) {
        for (const { next: n } of this.adjacency.get(node) ?? []) {
          if (!seen.has(n)) {
            seen.add(n);
            next.push(n);
          }
        }
      }
      frontier = next;
    }
    return seen;
  }

  /**
   * A shortest path (at most `hops` edges) from `from` to any of `targets`, as the links walked;
   * `[]` when `from` is itself a target, undefined when none is within reach.
   */
  shortestPath(
    from: ArtifactKey,
    targets: ReadonlySet<ArtifactKey>,
    hops: number,
  ): LineageLink[] | undefined {
    if (targets.has(from)) return [];
    const parent = new Map<ArtifactKey, { prev: ArtifactKey; link: LineageLink }>();
    const seen = new Set<ArtifactKey>([from]);
    let frontier = [from];
    for (let depth = 0; depth < hops && frontier.length > 0; depth++) {
      const next: ArtifactKey[] = [];
      for (const node of frontier) {
        for (const { next: n, link } of this.adjacency.get(node) ?? []) {
          if (seen.has(n)) continue;
          seen.add(n);
          parent.set(n, { prev: node, link });
          if (targets.has(n)) return unwind(parent, n);
          next.push(n);
        }
      }
      frontier = next;
    }
    return undefined;
  }

  private neighbours(key: ArtifactKey): { next: ArtifactKey; link: LineageLink }[] {
    let list = this.adjacency.get(key);
    if (!list) {
      list = [];
      this.adjacency.set(key, list);
    }
    return list;
  }
}

function unwind(
  parent: Map<ArtifactKey, { prev: ArtifactKey; link: LineageLink }>,
  end: ArtifactKey,
): LineageLink[] {
  const path: LineageLink[] = [];
  for (let step = parent.get(end); step; step = parent.get(step.prev)) path.push(step.link);
  return path.reverse();
}
