// Runs a function at most once per interval, always once more after the last call: live views
// refresh on every coalesced room event without each phone hammering the API. An optional jitter
// spreads the first run, since a room's broadcast reaches every phone at the same moment.

export type ThrottleOptions = {
  /** Delays a run that would start at once by up to this many ms (random). */
  jitterMs?: number;
  random?: () => number;
  setTimeout?: (f: () => void, ms: number) => unknown;
  now?: () => number;
};

export function throttle(fn: () => void, ms: number, o: ThrottleOptions = {}): () => void {
  const setTimer = o.setTimeout ?? ((f, t) => setTimeout(f, t));
  const now = o.now ?? (() => Date.now());
  const random = o.random ?? Math.random;
  let last = -Infinity;
  let scheduled = false;
  const run = () => {
    scheduled = false;
    last = now();
    fn();
  };
  return () => {
    if (scheduled) return;
    const wait = Math.max(0, last + ms - now()) || random() * (o.jitterMs ?? 0);
    if (wait <= 0) return run();
    scheduled = true;
    setTimer(run, wait);
  };
}
