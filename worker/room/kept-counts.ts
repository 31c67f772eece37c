// Counts of rows per key (a shot's photos, its expected members) that a room object keeps in memory beside the rows
// it alone writes: counted once on first use after a wake-up, moved by its own writes, dropped when a write rolls back.
// A cache, never state: SQLite has the rows.

export class KeptCounts {
  private readonly counts = new Map<string, number>();

  /** `count()` reads SQLite the first time; the result is kept only when `keep` says the key is a real one (anyone may
   *  name any id, and unknown ones must not fill memory). */
  get(key: string, count: () => number, keep: (n: number) => boolean): number {
    let n = this.counts.get(key);
    if (n === undefined) {
      n = count();
      if (keep(n)) this.counts.set(key, n);
    }
    return n;
  }

  /** A write added (or removed) `by` rows of `key`; nothing to do when its count is not kept. */
  bump(key: string, by: number): void {
    const n = this.counts.get(key);
    if (n !== undefined) this.counts.set(key, n + by);
  }

  forget(key: string): void {
    this.counts.delete(key);
  }

  clear(): void {
    this.counts.clear();
  }
}
