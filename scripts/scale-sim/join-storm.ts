// The join storm on one shard, frame by frame: its members open their sockets at random moments in a
// window and send what the room client sends (join with its burst of probes, `ready` one round trip later,
// then its background probes, on shared/room-client.ts's own schedule), while the shard sends its counts up
// and broadcasts the room's totals down every interval. Clients are open-loop: they do not slow down when the shard does.
import { BACKGROUND_GAP_MS, BACKGROUND_PROBES, BURST_GAP_MS, FIRST_PROBES } from "../../shared/room-client.ts";
import type { Costs } from "./costs.ts";
import { EventQueue } from "./event-queue.ts";
import { SimObject } from "./sim-object.ts";

export type StormParams = {
  members: number;
  /** Joins are spread uniformly over this window, ms. */
  windowMs: number;
  /** A phone's round trip to the shard, drawn uniformly per member, ms. */
  phoneRttMs: { min: number; max: number };
  /** The shard's counts go up (one RPC) and the totals come down (one broadcast) this often, ms. */
  countIntervalMs: number;
  /** Sockets per broadcast task: pings that arrive meanwhile are answered between tasks. */
  chunk: number;
  costs: Costs;
  random: () => number;
};

export type StormResult = {
  frames: number;
  /** Inbound frames in the busiest second. */
  peakFramesPerSecond: number;
  /** CPU share of the busiest second (can pass 1: work spills into the next second). */
  peakBusy: number;
  /** How long frames waited behind others: median, p99, max, ms. */
  waitP50Ms: number;
  waitP99Ms: number;
  waitMaxMs: number;
  /** When the last member's `ready` was handled, ms after the window opened. */
  allReadyMs: number;
  /** Work left after the last frame arrived, ms. */
  drainMs: number;
};

type Frame = "join" | "ping" | "ready";
type Ev = { kind: "frame"; frame: Frame } | { kind: "tick" } | { kind: "totals"; left: number };

/** The frames one member sends in the storm, as [ms after its socket opened, frame]: the room client's own
 *  schedule (its burst with the join, `ready` a round trip later, then its background probes). */
export function memberFrames(rttMs: number, random: () => number): Array<[number, Frame]> {
  const out: Array<[number, Frame]> = [[0, "join"]];
  for (let i = 0; i < FIRST_PROBES; i++) out.push([i * BURST_GAP_MS, "ping"]);
  let t = (FIRST_PROBES - 1) * BURST_GAP_MS + rttMs;
  out.push([t, "ready"]);
  const { min, max } = BACKGROUND_GAP_MS;
  for (let i = 0; i < BACKGROUND_PROBES; i++) {
    t += min + random() * (max - min);
    out.push([t, "ping"]);
  }
  return out;
}

export function simulateStorm(p: StormParams): StormResult {
  const c = p.costs;
  const cost: Record<Frame, number> = { join: c.joinCpuMs, ping: c.pingCpuMs, ready: c.readyCpuMs };
  const shard = new SimObject();
  /** How long each inbound frame waited behind other work, ms. */
  const waits: number[] = [];
  const q = new EventQueue<Ev>();
  let lastArrival = 0;
  for (let i = 0; i < p.members; i++) {
    const open = p.random() * p.windowMs;
    const rtt = p.phoneRttMs.min + p.random() * (p.phoneRttMs.max - p.phoneRttMs.min);
    for (const [at, frame] of memberFrames(rtt, p.random)) {
      const arrival = open + at + rtt / 2;
      lastArrival = Math.max(lastArrival, arrival);
      q.push(arrival, { kind: "frame", frame });
    }
  }
  const firstTick = p.random() * p.countIntervalMs;
  if (firstTick < lastArrival) q.push(firstTick, { kind: "tick" });

  const framesIn = new Map<number, number>();
  const busy = new Map<number, number>();
  let joined = 0;
  let allReady = 0;
  let frames = 0;
  q.run(({ time, payload: e }) => {
    const second = Math.floor(time / 1000);
    const serve = (work: number) => {
      busy.set(second, (busy.get(second) ?? 0) + work);
      const { start, end } = shard.serve(time, work);
      if (e.kind === "frame") waits.push(start - time);
      return end;
    };
    if (e.kind === "tick") {
      // The counts go up; the totals come back in the answer and go out to every joined socket.
      const sent = serve(c.rpcCallerCpuMs);
      q.push(sent + c.rpcRttMs, { kind: "totals", left: joined });
      if (time < lastArrival) q.push(time + p.countIntervalMs, { kind: "tick" });
      return;
    }
    if (e.kind === "totals") {
      const n = Math.min(p.chunk, e.left);
      const end = serve(n * c.sendCpuMs);
      if (e.left > n) q.push(end, { kind: "totals", left: e.left - n });
      return;
    }
    const end = serve(cost[e.frame]);
    frames++;
    framesIn.set(second, (framesIn.get(second) ?? 0) + 1);
    if (e.frame === "join") joined++;
    if (e.frame === "ready") allReady = Math.max(allReady, end);
  });
  waits.sort((a, b) => a - b);
  const pct = (f: number) => waits[Math.min(waits.length - 1, Math.floor(f * waits.length))] ?? 0;
  return {
    frames,
    peakFramesPerSecond: Math.max(0, ...framesIn.values()),
    peakBusy: Math.max(0, ...busy.values()) / 1000,
    waitP50Ms: pct(0.5),
    waitP99Ms: pct(0.99),
    waitMaxMs: waits.at(-1) ?? 0,
    allReadyMs: allReady,
    drainMs: Math.max(0, shard.idleAt - lastArrival),
  };
}

export type CoordinatorResult = { rpcPerSecond: number; busy: number; waitMaxMs: number };

/** The coordinator through the storm: every shard's counts arrive once per interval (each shard's timer at
 *  its own phase) and the totals go back in the answer, so nothing per member and no call down. */
export function simulateCoordinator(
  shards: number,
  intervalMs: number,
  durationMs: number,
  costs: Costs,
  random: () => number,
): CoordinatorResult {
  const coordinator = new SimObject();
  const q = new EventQueue<null>();
  for (let s = 0; s < shards; s++)
    for (let t = random() * intervalMs; t < durationMs; t += intervalMs) q.push(t + costs.rpcRttMs / 2, null);
  q.run(({ time }) => coordinator.serve(time, costs.rpcCalleeCpuMs));
  return {
    rpcPerSecond: coordinator.tasks / (durationMs / 1000),
    busy: coordinator.busyMs / durationMs,
    waitMaxMs: coordinator.maxWaitMs,
  };
}
