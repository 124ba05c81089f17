export interface BhResult {
  /** Step-up adjusted p-values (as scipy.stats.false_discovery_control, method 'bh'). */
  readonly adjusted: number[];
  readonly rejected: boolean[];
}

export function benjaminiHochberg(pValues: readonly number[], q = 0.05): BhResult {
  const m = pValues.length;
  const order = pValues.map((p, i) => [p, i] as const).sort((a, b) => a[0] - b[0]);
  const adjusted = new Array<number>(m).fill(1);
  let running = 1;
  for (let r = m - 1; r >= 0; r--) {
    const [p, i] = order[r];
    running = Math.min(running, (p * m) / (r + 1));
    adjusted[i] = Math.min(1, running);
  }
  return { adjusted, rejected: adjusted.map((p) => p <= q) };
}
