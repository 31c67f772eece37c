// The refresh throttle, on a hand-driven clock: first call runs at once, bursts collapse into one
// trailing run, and nothing is lost.
import { describe, expect, it } from "vitest";
import { throttle } from "./throttle.ts";

function clock() {
  let t = 0;
  const queue: Array<{ at: number; f: () => void }> = [];
  return {
    now: () => t,
    setTimeout: (f: () => void, ms: number) => queue.push({ at: t + ms, f }),
    advance(ms: number) {
      t += ms;
      for (const q of queue.splice(0).sort((a, b) => a.at - b.at)) {
        if (q.at <= t) q.f();
        else queue.push(q);
      }
    },
  };
}

describe("throttle", () => {
  it("delays a first run by the jitter, and still runs once for a burst", () => {
    const c = clock();
    let runs = 0;
    const go = throttle(() => runs++, 1000, { ...c, jitterMs: 400, random: () => 0.5 });
    go();
    go();
    expect(runs).toBe(0);
    c.advance(199);
    expect(runs).toBe(0);
    c.advance(1);
    expect(runs).toBe(1);
    c.advance(5000);
    expect(runs).toBe(1);
  });

  it("runs the first call at once and a burst of later calls once, at the end of the interval", () => {
    const c = clock();
    let runs = 0;
    const go = throttle(() => runs++, 1000, c);
    go();
    expect(runs).toBe(1);
    for (let i = 0; i < 10; i++) {
      c.advance(50);
      go();
    }
    expect(runs).toBe(1);
    c.advance(500);
    expect(runs).toBe(2);
    c.advance(5000);
    expect(runs).toBe(2);
  });

  it("runs again at once when the interval has passed since the last run", () => {
    const c = clock();
    let runs = 0;
    const go = throttle(() => runs++, 1000, c);
    go();
    c.advance(1500);
    go();
    expect(runs).toBe(2);
  });
});
