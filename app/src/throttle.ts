// Runs a function at most once per interval, always once more after the last call: live views
// refresh on every coalesced room event without each phone hammering the API.

export function throttle(
  fn: () => void,
  ms: number,
  timers: { setTimeout(f: () => void, ms: number): unknown; now(): number } = {
    setTimeout: (f, t) => setTimeout(f, t),
    now: () => Date.now(),
  },
): () => void {
  let last = -Infinity;
  let scheduled = false;
  const run = () => {
    scheduled = false;
    last = timers.now();
    fn();
  };
  return () => {
    if (scheduled) return;
    const wait = last + ms - timers.now();
    if (wait <= 0) return run();
    scheduled = true;
    timers.setTimeout(run, wait);
  };
}
