// The simulation's clock: a binary min-heap of (time, seq) events. Events at the same time come out in
// the order they were pushed (seq breaks ties), so a run is the same on every machine.

export type SimEvent<T> = { time: number; seq: number; payload: T };

export class EventQueue<T> {
  private readonly heap: SimEvent<T>[] = [];
  private pushed = 0;
  /** The time of the last event popped: the simulation's "now". */
  now = 0;

  get size(): number {
    return this.heap.length;
  }

  push(time: number, payload: T): void {
    if (!(time >= this.now)) throw new Error(`event at ${time} is before now (${this.now})`);
    const e = { time, seq: this.pushed++, payload };
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(e, h[parent]!)) break;
      h[i] = h[parent]!;
      i = parent;
    }
    h[i] = e;
  }

  pop(): SimEvent<T> | undefined {
    const h = this.heap;
    const top = h[0];
    if (top === undefined) return undefined;
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const r = l + 1;
        const child = r < h.length && before(h[r]!, h[l]!) ? r : l;
        if (!before(h[child]!, last)) break;
        h[i] = h[child]!;
        i = child;
      }
      h[i] = last;
    }
    this.now = top.time;
    return top;
  }

  /** Pops and handles events in order until none is left (handlers may push more). */
  run(handle: (e: SimEvent<T>) => void): void {
    for (let e = this.pop(); e !== undefined; e = this.pop()) handle(e);
  }
}

function before<T>(a: SimEvent<T>, b: SimEvent<T>): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
