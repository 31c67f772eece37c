// k6/timers (also the global timers) for one VU: timers on the process's precise queue that keep the
// VU's iteration alive until they run or are cleared, with k6's numeric ids.
import { timerQueue } from "./timer-queue.ts";
import type { Handle, Vu } from "./vu.ts";

export type K6Timers = {
  setTimeout(fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]): number;
  clearTimeout(id: number): void;
  setInterval(fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]): number;
  clearInterval(id: number): void;
};

export function timersModule(vu: Vu): K6Timers {
  let next = 1;
  const live = new Map<number, Handle>();
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
    const delay = Number(ms) > 0 ? Number(ms) : 0;
    let t = timerQueue.add(delay, () => run());
    const run = () => {
      if (!live.has(id)) return;
      if (repeat) t = timerQueue.add(delay, () => run());
      else live.delete(id);
      vu.guard(() => fn(...args));
      if (!repeat) vu.release(h);
    };
    const h: Handle = { cancel: () => t.cancel() };
    live.set(id, h);
    vu.hold(h);
    return id;
  };
  return {
    setTimeout: (fn, ms, ...args) => start(false, fn, ms, args),
    clearTimeout: clear,
    setInterval: (fn, ms, ...args) => start(true, fn, ms, args),
    clearInterval: clear,
  };
}
