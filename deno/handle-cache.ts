// Open handles (SQLite files) kept by key with a bound: the least recently used idle one is closed when
// there are more than `max`, and a sweep closes those idle since a time. A handle in use is never closed.

type Entry<T> = { value: T; busy: number; lastUsed: number };

export class HandleCache<T> {
  /** In least-recently-used-first order: a use moves its entry to the end. */
  private readonly entries = new Map<string, Entry<T>>();

  constructor(
    private readonly max: number,
    private readonly closeHandle: (value: T) => void,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Runs fn with the handle of `key`, opened by `open` when not open yet; the handle stays open at
   *  least until fn's promise settles. */
  async use<R>(key: string, open: () => T, fn: (value: T) => R | Promise<R>): Promise<R> {
    const e = this.acquire(key, open);
    try {
      return await fn(e.value);
    } finally {
      e.busy--;
      e.lastUsed = this.now();
      this.trim();
    }
  }

  private acquire(key: string, open: () => T): Entry<T> {
    let e = this.entries.get(key);
    if (e) this.entries.delete(key);
    else e = { value: open(), busy: 0, lastUsed: this.now() };
    e.busy++;
    this.entries.set(key, e); // now the most recently used
    this.trim();
    return e;
  }

  /** Closes least recently used idle handles until at most `max` are open. */
  private trim(): void {
    for (const [key, e] of this.entries) {
      if (this.entries.size <= this.max) return;
      if (e.busy > 0) continue;
      this.entries.delete(key);
      this.closeHandle(e.value);
    }
  }

  /** Closes every idle handle last used before `since`; returns how many. */
  sweep(since: number): number {
    let closed = 0;
    for (const [key, e] of this.entries) {
      if (e.busy > 0 || e.lastUsed >= since) continue;
      this.entries.delete(key);
      this.closeHandle(e.value);
      closed++;
    }
    return closed;
  }

  closeAll(): void {
    for (const e of this.entries.values()) this.closeHandle(e.value);
    this.entries.clear();
  }
}
