// The servers' clock at sub-millisecond resolution, for tests that check when a client truly fired.
// timeOrigin + performance.now() drifts from Date.now() (measured here: 1.3 ms in 20 s, as the wall clock
// is slewed), so a clock fixed at process start is ms off by the time a long suite reaches these tests.

/** A clock aligned with Date.now() at the moment of the call, ticking with performance.now(). */
export function wallClock(): () => number {
  // Wait for Date.now() to tick: at the tick the wall clock reads a whole millisecond.
  const start = Date.now();
  let tick = start;
  while (tick === start) tick = Date.now();
  const origin = tick - performance.now();
  return () => origin + performance.now();
}
