// Runs a callback at a precise instant of an injected clock: a coarse timer to just before, then a
// short precise wait. Timers alone are late by 1–4 ms (clamping, event-loop load); spinning is bounded.

export type Timers = {
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
};

export const defaultTimers = (): Timers => ({
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
});

/** Coarse timers aim this far ahead of the target, since they wake late (1–3 ms), never early; the
 *  rest is a busy-wait. With a thousand clients due at the same instant on one event loop, the first
 *  spins to the target and the others find it passed, so the total spin stays a few ms. */
const EARLY_MS = 3;

/**
 * Calls `fire(lateness)` when `now()` reaches `target` (lateness = now() − target at the call, ≥ 0).
 * Returns a cancel function.
 */
export function fireAt(target: number, now: () => number, fire: (lateness: number) => void, timers = defaultTimers()) {
  let handle: unknown = null;
  let cancelled = false;
  const step = () => {
    handle = null;
    if (cancelled) return;
    const remaining = target - now();
    if (remaining > EARLY_MS) {
      handle = timers.setTimeout(step, remaining - EARLY_MS);
      return;
    }
    let t = now();
    while (t < target) t = now();
    fire(t - target);
  };
  step();
  return () => {
    cancelled = true;
    if (handle !== null) timers.clearTimeout(handle);
  };
}
