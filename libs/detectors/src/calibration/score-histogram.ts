/** Reference histogram of calibration scores against which a person can place the current score. */
export interface ScoreHistogram {
  edges: number[];
  counts: number[];
}

export function scoreHistogram(scores: ArrayLike<number>, bins = 20): ScoreHistogram {
  const values = Array.from(scores).filter(Number.isFinite);
  if (values.length === 0) return { edges: [], counts: [] };
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const width = hi > lo ? (hi - lo) / bins : 1;
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.floor((v - lo) / width))] += 1;
  const edges = Array.from({ length: bins + 1 }, (_, i) => Number((lo + i * width).toPrecision(6)));
  return { edges, counts };
}
