// k6/timers (also the global timers) for one VU: timers on the process's precise queue that keep the
// VU's iteration alive until they run or are cleared, with k6's numeric ids.
import { timerQueue } from "./timer-queue.ts";
import type { Vu } from "./vu.ts";

export type K6Timers = {
  setTimeout(fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]): number;
  clearTimeout(id: number): void;
  setInterval(fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]): number;
  clearInterval(id: number): void;
};

/** One timer of a VU: its own Task and Handle, so arming it makes no closure. */
class VuTimer {
  private queued: { cancel(): void } | null = null;
  constructor(
    private readonly vu: Vu,
    private readonly live: Map<number, VuTimer>,
    private readonly id: number,
    private readonly repeat: boolean,
    private readonly delay: number,
    private readonly fn: (...a: unknown[]) => void,
    private readonly args: unknown[],
  ) {}

  arm(): void {
    this.queued = timerQueue.add(this.delay, this);
  }

  run(): void {
    if (!this.live.has(this.id)) return;
    if (this.repeat) this.arm();
    else this.live.delete(this.id);
    this.vu.guard(() => this.fn(...this.args));
    if (!this.repeat) this.vu.release(this);
  }

  cancel(): void {
    this.queued?.cancel();
  }
}

export function timersModule(vu: Vu): K6Timers {
  let next = 1;
  const live = new Map<number, VuTimer>();
  const clear = (id: number) => {
    const h = live.get(id);
    if (!h) return;
    live.delete(id);
    h.cancel();
    vu.release(h);
  };
  const start = (repeat: boolean, fn: (...a: unknown[]) => void, ms: unknown, args: unknown[]) => {
    if (typeof fn !== "function") throw new TypeError("setTimeout/setInterval need a function");
    const id = next++;
    const t = new VuTimer(vu, live, id, repeat, Number(ms) > 0 ? Number(ms) : 0, fn, args);
    live.set(id, t);
    vu.hold(t);
    t.arm();
    return id;
  };
  return {
    setTimeout: (fn, ms, ...args) => start(false, fn, ms, args),
    clearTimeout: clear,
    setInterval: (fn, ms, ...args) => start(true, fn, ms, args),
    clearInterval: clear,
  };
}
