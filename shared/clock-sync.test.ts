// Clock-sync math on simulated clocks: offsets of ± hours, asymmetric delays, jitter, coarse server ticks.
import { describe, expect, it } from "vitest";
import { estimateOffset, type Probe } from "./clock-sync.ts";

/** A seeded PRNG so failures reproduce. */
function rng(seed: number) {
  return () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
}

/** Simulates n probes: client clock = true time − theta; delays up/down drawn from the given ranges. */
function simulate(n: number, theta: number, up: [number, number], down: [number, number], seed = 1): Probe[] {
  const r = rng(seed);
  const probes: Probe[] = [];
  let t = 1_700_000_000_000;
  for (let i = 0; i < n; i++) {
    t += 5 + r() * 20;
    const d1 = up[0] + r() * (up[1] - up[0]);
    const d2 = down[0] + r() * (down[1] - down[0]);
    probes.push({ t0: t - theta, ts: Math.floor(t + d1), t3: t + d1 + d2 - theta });
  }
  return probes;
}

describe("estimateOffset", () => {
  const cases: Array<[string, number, [number, number], [number, number]]> = [
    ["a clock an hour behind, symmetric LAN", 3_600_000, [0.2, 1], [0.2, 1]],
    ["a clock two hours ahead, asymmetric mobile link", -7_200_000, [30, 120], [5, 20]],
    ["a small offset with heavy jitter", 12.345, [1, 200], [1, 200]],
    ["a slow uplink and a fast downlink", -45_000.5, [80, 90], [2, 3]],
  ];
  for (const [name, theta, up, down] of cases) {
    it(`stays within its stated bound: ${name}`, () => {
      for (let seed = 1; seed <= 50; seed++) {
        const est = estimateOffset(simulate(24, theta, up, down, seed))!;
        expect(est.intersected).toBe(true);
        expect(Math.abs(est.offset - theta)).toBeLessThanOrEqual(est.error + 1e-9);
      }
    });
  }

  it("shrinks its bound as probes are added", () => {
    const probes = simulate(32, 1234.5, [1, 40], [1, 40], 7);
    let last = Infinity;
    for (const n of [1, 2, 4, 8, 16, 32]) {
      const est = estimateOffset(probes.slice(0, n))!;
      expect(est.error).toBeLessThanOrEqual(last);
      last = est.error;
    }
    expect(estimateOffset(probes)!.error).toBeLessThan(estimateOffset(probes.slice(0, 1))!.error / 2);
  });

  it("falls back to the minimum-round-trip probe when intervals are disjoint (a clock jumped)", () => {
    const before = simulate(8, 0, [1, 2], [1, 2], 3);
    const after = simulate(8, 5000, [1, 2], [1, 2], 4).map((p) => ({
      ...p,
      t0: p.t0 + 1e5,
      t3: p.t3 + 1e5,
      ts: p.ts + 1e5,
    }));
    const est = estimateOffset([...before, ...after])!;
    expect(est.intersected).toBe(false);
    expect(est.error).toBeLessThanOrEqual(3);
  });

  it("takes intervals a few ms apart (late server stamps) as one, but not a jump, when told to", () => {
    const early = simulate(8, 0, [1, 2], [1, 2], 5);
    const late = simulate(8, 0, [1, 2], [1, 2], 6).map((p) => ({ ...p, ts: p.ts - 8 })); // stamps 8 ms late
    expect(estimateOffset([...early, ...late])!.intersected).toBe(false);
    const est = estimateOffset([...early, ...late], 1, 50)!;
    expect(est).toMatchObject({ intersected: true, probes: 16 });
    expect(Math.abs(est.offset)).toBeLessThanOrEqual(est.error + 1); // the true offset is 0
    expect(est.error).toBeLessThan(8);
  });

  it("widens each probe by its stamp's own uncertainty (a shard's stamps, ±te of its coordinator's clock)", () => {
    // The shard's clock is 3 ms ahead of the coordinator's, and it knows its offset only within ±4 ms: stamps
    // that are 3 ms off would put a tight estimate off the truth (0); with te, the bound holds it.
    const off = simulate(16, 0, [0.2, 0.4], [0.2, 0.4], 8).map((p) => ({ ...p, ts: p.ts + 3 }));
    const tight = estimateOffset(off)!;
    expect(Math.abs(tight.offset)).toBeGreaterThan(tight.error);
    const honest = estimateOffset(off.map((p) => ({ ...p, te: 4 })))!;
    expect(Math.abs(honest.offset)).toBeLessThanOrEqual(honest.error);
    expect(honest.error).toBeLessThanOrEqual(5.5);
  });

  it("ignores probes whose clock ran backwards and returns null with nothing to go on", () => {
    expect(estimateOffset([])).toBeNull();
    expect(estimateOffset([{ t0: 10, ts: 5, t3: 9 }])).toBeNull();
  });
});
