// What each step costs in the scale simulation: measured here by bench/scale-costs-bench.ts on
// `serve:bench` (docs/scale.md, "Measured costs"), and a pessimistic set read from Cloudflare's documented
// per-object limit. All in ms.

export type Costs = {
  /** Wall time one RPC between two objects adds for the caller, beyond the CPU below. */
  rpcRttMs: number;
  /** CPU an RPC costs its caller (the call and its answer). */
  rpcCallerCpuMs: number;
  /** CPU an RPC costs the object called, before its own work. */
  rpcCalleeCpuMs: number;
  /** The coordinator's own work on `shoot` (the shot's row, the alarm, the HTTP request around it). */
  shootFixedCpuMs: number;
  /** A shard's work per member on `shoot` besides the send: the member's row in `shot_members`. */
  shootRowCpuMs: number;
  /** One frame sent to one socket, as a broadcast sends it. */
  sendCpuMs: number;
  /** Inbound frames, each with its answer (welcome, pong). */
  joinCpuMs: number;
  pingCpuMs: number;
  readyCpuMs: number;
  firedCpuMs: number;
};

/** Measured 2026-12-02 16:33–16:50 UTC, `npx tsx bench/scale-costs-bench.ts`, 600 sockets, three runs, load
 *  average 3.3–7.3 on 2 shared cores; the upper end of the runs is taken. CPU is workerd's (every thread,
 *  /proc schedstat), so socket I/O and Miniflare's own plumbing are in it; the Node client ran beside it. */
export const LOCAL_COSTS: Costs = {
  // The hop (median request with one RPC minus one without): 1.1, 2.1 and 0.07 ms of wall; 460, 467 and
  // 223 µs of workerd CPU, split evenly between the two ends.
  rpcRttMs: 1.5,
  rpcCallerCpuMs: 0.23,
  rpcCalleeCpuMs: 0.23,
  // Shoot at 600 and 300 sockets, twice each per run: 55, 55 and 39 µs a member; 4.7–7 ms fixed.
  shootFixedCpuMs: 7,
  shootRowCpuMs: 0.005,
  // A `members` broadcast at 600 and 300 sockets, twice each per run: 53 and 40 µs a send.
  sendCpuMs: 0.05,
  // 600 joins at once: 839, 1017 and 452 µs each (an HMAC upload token, SQLite rows, the welcome).
  joinCpuMs: 0.9,
  // 9 rounds of 18,000 pings: 69–114 µs each.
  pingCpuMs: 0.1,
  // 600 `ready`: 106–118 µs each, half of it their share of one `members` broadcast to 600.
  readyCpuMs: 0.06,
  // `fired` + one ping each, 8 rounds: 76–149 µs a frame.
  firedCpuMs: 0.1,
};

/** Cloudflare documents "a soft limit of 1,000 requests per second" per object (Durable Objects FAQ,
 *  read 2026-12-02): taken here as 1 ms for every inbound frame and RPC, as if that limit were the
 *  object's CPU. RPC round trips across machines are a guess (10 ms) until measured there. */
export const DOCUMENTED_COSTS: Costs = {
  ...LOCAL_COSTS,
  rpcRttMs: 10,
  rpcCalleeCpuMs: 1,
  joinCpuMs: 1,
  pingCpuMs: 1,
  readyCpuMs: 1,
  firedCpuMs: 1,
};
