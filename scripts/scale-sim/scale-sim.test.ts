// The scale simulation against cases worked out by hand: the event queue's order, one object's queue,
// the shoot through one shard, a tree of depth 2 and a call limit of 1, the join storm of one member,
// and the coordinator's count traffic. Costs are binary fractions, so the sums are exact.
import { describe, expect, it } from "vitest";
import { mulberry32 } from "../prng.ts";
import type { Costs } from "./costs.ts";
import { EventQueue } from "./event-queue.ts";
import { memberFrames, simulateCoordinator, simulateStorm } from "./join-storm.ts";
import { children, simulateShoot, treeDepth } from "./shoot-fanout.ts";
import { SimObject } from "./sim-object.ts";

const COSTS: Costs = {
  rpcRttMs: 2,
  rpcCallerCpuMs: 0.25,
  rpcCalleeCpuMs: 0.5,
  shootFixedCpuMs: 1,
  shootRowCpuMs: 0.125,
  sendCpuMs: 0.25,
  joinCpuMs: 1,
  pingCpuMs: 0.5,
  readyCpuMs: 0.25,
  firedCpuMs: 0.5,
};
const c = COSTS;

describe("the event queue", () => {
  it("hands out events by time, and events at the same time in the order they were pushed", () => {
    const q = new EventQueue<string>();
    for (const [t, name] of [
      [5, "e"],
      [1, "a"],
      [3, "c1"],
      [3, "c2"],
      [2, "b"],
      [3, "c3"],
      [9, "z"],
    ] as const)
      q.push(t, name);
    const seen: string[] = [];
    q.run((e) => {
      seen.push(e.payload);
      if (e.payload === "b") q.push(3, "c4"); // pushed later than c1–c3, so after them
    });
    expect(seen).toEqual(["a", "b", "c1", "c2", "c3", "c4", "e", "z"]);
    expect(q.now).toBe(9);
  });

  it("refuses an event in the past", () => {
    const q = new EventQueue<null>();
    q.push(4, null);
    q.pop();
    expect(() => q.push(3, null)).toThrow(/before now/);
  });
});

describe("one object", () => {
  it("runs tasks one at a time, first come first served", () => {
    const o = new SimObject();
    expect(o.serve(0, 2)).toEqual({ start: 0, end: 2 });
    expect(o.serve(1, 2)).toEqual({ start: 2, end: 4 });
    expect(o.serve(10, 1)).toEqual({ start: 10, end: 11 });
    expect([o.busyMs, o.tasks, o.maxWaitMs]).toEqual([5, 3, 1]);
  });
});

describe("the shoot's fan-out", () => {
  const base = { fanout: 16, maxInFlight: 6, ackFirst: true, chunk: 3, costs: COSTS };

  it("lays shards out as an F-ary tree under the coordinator", () => {
    expect(children(0, 2, 6)).toEqual([1, 2]);
    expect(children(2, 2, 6)).toEqual([5, 6]);
    expect(children(3, 2, 6)).toEqual([]);
    expect([treeDepth(1, 16), treeDepth(16, 16), treeDepth(17, 16), treeDepth(272, 16), treeDepth(273, 16)]).toEqual([
      1, 1, 2, 2, 3,
    ]);
  });

  it("through one shard takes one hop in, the coordinator's work, one hop out, the rows and K sends", () => {
    const K = 8;
    const r = simulateShoot({ ...base, shardSizes: [K] });
    const reached = c.rpcRttMs / 2 + c.rpcCalleeCpuMs + c.shootFixedCpuMs + c.rpcCallerCpuMs + c.rpcRttMs / 2;
    const firstSend = reached + c.rpcCalleeCpuMs + K * c.shootRowCpuMs + c.sendCpuMs;
    expect(r.sent.length).toBe(K);
    expect(r.sent[0]).toBe(firstSend); // 5.5
    expect(r.sent[K - 1]).toBe(firstSend + (K - 1) * c.sendCpuMs); // 7.25: chunks of 3 change nothing alone
    expect(r.lastShardReached).toBe(reached + c.rpcCalleeCpuMs);
    expect(r.depth).toBe(1);
  });

  it("down a tree of depth 2 adds, per level, the calls before the last child, a hop and its receipt", () => {
    // Coordinator → shards 1, 2; shard 1 → 3, 4; shard 2 → 5, 6. One member each, no rows.
    const costs = { ...COSTS, shootRowCpuMs: 0 };
    const r = simulateShoot({ ...base, costs, fanout: 2, shardSizes: [1, 1, 1, 1, 1, 1] });
    const level = 2 * c.rpcCallerCpuMs + c.rpcRttMs / 2 + c.rpcCalleeCpuMs;
    const start = c.rpcRttMs / 2 + c.rpcCalleeCpuMs + c.shootFixedCpuMs;
    expect(r.depth).toBe(2);
    expect(r.sent.at(-1)).toBe(start + 2 * level + c.sendCpuMs); // 6.75, at shard 6
  });

  it("with one call open at a time waits a whole round trip per shard, longer when shards answer after sending", () => {
    const costs = { ...COSTS, shootRowCpuMs: 0 };
    const period = 2 * c.rpcCallerCpuMs + c.rpcRttMs + c.rpcCalleeCpuMs;
    const firstReached = c.rpcRttMs / 2 + c.rpcCalleeCpuMs + c.shootFixedCpuMs + c.rpcCallerCpuMs + c.rpcRttMs / 2;
    const flat = { ...base, costs, maxInFlight: 1, shardSizes: [1, 1, 1] };
    const first = simulateShoot(flat);
    expect(first.sent.at(-1)).toBe(firstReached + 2 * period + c.rpcCalleeCpuMs + c.sendCpuMs); // 10.5
    const after = simulateShoot({ ...flat, ackFirst: false });
    expect(after.sent.at(-1)).toBe(firstReached + 2 * (period + c.sendCpuMs) + c.rpcCalleeCpuMs + c.sendCpuMs);
  });
});

describe("the join storm", () => {
  const one = {
    members: 1,
    windowMs: 0,
    phoneRttMs: { min: 20, max: 20 },
    countIntervalMs: 1e6,
    chunk: 256,
    costs: { ...COSTS, rpcCallerCpuMs: 0, sendCpuMs: 0 },
  };

  it("sends what the room client sends: join and 2 probes, ready a round trip later, 6 probes 0.5–2.5 s apart", () => {
    const frames = memberFrames(20, mulberry32(7));
    expect(frames.slice(0, 4)).toEqual([
      [0, "join"],
      [0, "ping"],
      [15, "ping"],
      [35, "ready"],
    ]);
    const gaps = frames.slice(3).map(([t], i, all) => (i === 0 ? 0 : t - all[i - 1]![0]));
    expect(gaps.slice(1).every((g) => g >= 500 && g <= 2500)).toBe(true);
    expect(frames.length).toBe(10);
  });

  it("for one member: its probe waits for its join, and it is ready half a round trip after sending ready", () => {
    const r = simulateStorm({ ...one, random: mulberry32(3) });
    expect(r.frames).toBe(10);
    expect(r.waitMaxMs).toBe(c.joinCpuMs); // the first probe arrives with the join
    expect(r.allReadyMs).toBe(35 + 10 + c.readyCpuMs);
    expect(r.drainMs).toBe(c.pingCpuMs);
  });

  it("is the same for the same seed and differs for another", () => {
    const params = { ...one, members: 500, windowMs: 1000, countIntervalMs: 250, costs: COSTS };
    const a = simulateStorm({ ...params, random: mulberry32(1) });
    expect(simulateStorm({ ...params, random: mulberry32(1) })).toEqual(a);
    expect(simulateStorm({ ...params, random: mulberry32(2) })).not.toEqual(a);
  });

  it("brings the coordinator one call per shard per interval, whatever the shards' phases", () => {
    const r = simulateCoordinator(256, 250, 1000, COSTS, mulberry32(5));
    expect(r.rpcPerSecond).toBe(256 * 4);
    expect(r.busy).toBe((256 * 4 * c.rpcCalleeCpuMs) / 1000);
  });
});
