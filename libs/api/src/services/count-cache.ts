/**
 * Recent exact counts, shared by concurrent requests: counting a large filter (90k open incidents)
 * is a scan of the table, while the page beside it is an index range of 21 rows. Under load every
 * list request would otherwise scan; here one count per filter runs per `ttlMs`, concurrent
 * requests for it wait on the same query, and a failed count is not kept.
 */
export class CountCache {
  private readonly entries = new Map<string, { at: number; value: Promise<number> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 1_000,
  ) {}

  get(key: string, count: () => Promise<number>, now = Date.now()): Promise<number> {
    const hit = this.entries.get(key);
    if (hit && now - hit.at < this.ttlMs) return hit.value;
    const value = count();
    this.entries.delete(key);
    this.entries.set(key, { at: now, value });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    return value;
  }
}
