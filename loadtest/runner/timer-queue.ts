// One precise timer queue per process, behind every VU's timers: a heap ordered by due time on the
// sub-millisecond performance.now() clock, run by a single Node timer. Node's own timers compare against
// a millisecond loop clock read once per pass, so timers due while another callback spins (a thousand
// clients firing in the same millisecond) wait for the next pass; here each runs as soon as it is due.

/** What a timer runs: a function, or an object's run() (no closure to make per timer). */
export type Task = (() => void) | { run(): void };

// Classes and methods, not closures made per timer: the runner runs under tsx, whose keepNames wraps every
// named closure in a defineProperty call, and at the shot's instant a process runs hundreds of timers.
class Entry {
  cancelled = false;
  constructor(
    readonly due: number,
    readonly seq: number,
    readonly task: Task,
  ) {}
  cancel(): void {
    this.cancelled = true;
  }
}

const perf = performance;
const resolved = Promise.resolve();

export class TimerQueue {
  private heap: Entry[] = [];
  /** Timers added while a pass runs join the heap after it. */
  private incoming: Entry[] | null = null;
  private seq = 0;
  private node: ReturnType<typeof setTimeout> | null = null;
  private nodeDue = Infinity;

  constructor(private readonly now: () => number = () => perf.now()) {}

  add(delayMs: number, task: Task): { cancel(): void } {
    const e = new Entry(this.now() + Math.max(0, delayMs), this.seq++, task);
    if (this.incoming) this.incoming.push(e);
    else {
      this.push(e);
      if (e.due < this.nodeDue) this.arm();
    }
    return e;
  }

  private arm(): void {
    for (const e of this.incoming ?? []) this.push(e);
    this.incoming = null;
    while (this.heap.length && this.heap[0]!.cancelled) this.pop();
    if (this.node) clearTimeout(this.node);
    this.node = null;
    this.nodeDue = this.heap[0]?.due ?? Infinity;
    if (this.nodeDue !== Infinity) this.node = setTimeout(() => this.run(), Math.max(0, this.nodeDue - this.now()));
  }

  /** Runs what is due, one callback per microtask turn so each one's promise reactions run before the
   *  next (a bare promise job: queueMicrotask costs an async resource each); timers added meanwhile wait
   *  for the next pass, so a zero-delay loop cannot starve I/O. */
  private run(): void {
    this.node = null;
    this.nodeDue = Infinity;
    this.incoming = [];
    const step = () => {
      const top = this.heap[0];
      if (!top || top.due > this.now()) return this.arm();
      this.pop();
      if (top.cancelled) return step();
      try {
        if (typeof top.task === "function") top.task();
        else top.task.run();
      } catch (e) {
        console.error("timer callback failed:", e);
      }
      void resolved.then(step);
    };
    step();
  }

  private push(e: Entry): void {
    const h = this.heap;
    let i = h.length;
    h.push(e);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(e, h[p]!)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = e;
  }

  private pop(): Entry | undefined {
    const h = this.heap;
    const top = h[0];
    const end = h.pop()!;
    const n = h.length;
    if (n === 0) return top;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && before(h[c + 1]!, h[c]!)) c++;
      if (!before(h[c]!, end)) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = end;
    return top;
  }
}

const before = (a: Entry, b: Entry) => a.due < b.due || (a.due === b.due && a.seq < b.seq);

/** The process's queue, shared by every VU in it. */
export const timerQueue = new TimerQueue();
