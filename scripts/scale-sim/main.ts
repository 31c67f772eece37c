// `npm run simulate:scale`: the shoot fan-out and the join storm of a sharded room of 1,000,000 members,
// for several shard sizes and fan-outs, on the costs measured here (or `--costs documented`). Seeded:
// the same flags print the same numbers. Flags: --members N, --shards S, --seed N, --costs local|documented.
import { parseArgs } from "node:util";
import { mulberry32 } from "../prng.ts";
import { DOCUMENTED_COSTS, LOCAL_COSTS, type Costs } from "./costs.ts";
import { simulateCoordinator, simulateStorm, type StormResult } from "./join-storm.ts";
import { simulateShoot } from "./shoot-fanout.ts";

const { values: flags } = parseArgs({
  options: {
    members: { type: "string", default: "1000000" },
    shards: { type: "string" },
    seed: { type: "string", default: "1" },
    costs: { type: "string", default: "local" },
  },
});
const MEMBERS = Number(flags.members);
const SEED = Number(flags.seed);
const COSTS: Costs = flags.costs === "documented" ? DOCUMENTED_COSTS : LOCAL_COSTS;

/** Sockets per broadcast task; a phone's round trip is drawn in PHONE_RTT_MS (as the load test's LATENCY=20:300). */
const CHUNK = 256;
const PHONE_RTT_MS = { min: 20, max: 300 };
/** Counts go up this often (the coordinator's load); a shard's own count call and its broadcast of the
 *  totals to its sockets run every TOTALS_INTERVAL_MS (K sends each: the shard's biggest steady cost). */
const COUNT_INTERVAL_MS = 250;
const TOTALS_INTERVAL_MS = 1000;
const MAX_IN_FLIGHT = 6;
/** Members per shard tried, and the fan-outs and round trips tried at the chosen one. */
const MEAN_MEMBERS = [1000, 2000, 3000, 4000, 6000, 8000, 16000];
/** The cap on a shard's members (SHARD_MEMBERS), and the shards a room of MEMBERS gets: 10 % headroom,
 *  because a hash fills shards unevenly (the fullest of 272 is some 3 standard deviations over the mean). */
const SHARD_MEMBERS = 4096;
const CHOSEN_SHARDS = Number(flags.shards ?? Math.ceil(MEMBERS / (0.9 * SHARD_MEMBERS)));
const FANOUT = 6;
const FANOUTS = [CHOSEN_SHARDS, 64, 16, FANOUT];
const RTTS_MS = [...new Set([COSTS.rpcRttMs, 10, 50])];
/** The join window (everyone opens the link within it) and a reconnect storm (the venue's Wi-Fi drops). */
const WINDOWS_MS = [60_000, 10_000];
/** Storms simulated per layout: the fullest shard and a few others (shards are alike but for their size). */
const SAMPLED_SHARDS = 4;

const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const pct = (x: number) => `${(100 * x).toFixed(0)} %`;

/** Members per shard when each member's shard is a uniform hash of its client id. */
function shardSizes(members: number, shards: number, seed: number): number[] {
  const random = mulberry32(seed);
  const sizes = Array.from({ length: shards }, () => 0);
  for (let i = 0; i < members; i++) sizes[Math.floor(random() * shards)]!++;
  return sizes;
}

function table(head: string[], rows: Array<Array<string | number>>): void {
  console.log(`| ${head.join(" | ")} |`);
  console.log(`|${head.map(() => "---:").join("|")}|`);
  for (const r of rows) console.log(`| ${r.join(" | ")} |`);
  console.log();
}

function shoot(sizes: number[], fanout: number, costs: Costs, ackFirst = true) {
  const r = simulateShoot({ shardSizes: sizes, fanout, maxInFlight: MAX_IN_FLIGHT, ackFirst, chunk: CHUNK, costs });
  const at = (f: number) => r.sent[Math.min(r.sent.length - 1, Math.floor(f * r.sent.length))]!;
  return { ...r, first: r.sent[0]!, median: at(0.5), p99: at(0.99), last: r.sent[r.sent.length - 1]! };
}

/** The worst of the fullest shard and a few others, each its own seeded storm. */
function storm(
  sizes: number[],
  windowMs: number,
  seed: number,
  chunk = CHUNK,
  intervalMs = TOTALS_INTERVAL_MS,
): StormResult {
  const fullest = sizes.indexOf(Math.max(...sizes));
  const pick = mulberry32(seed);
  const shards = [fullest, ...Array.from({ length: SAMPLED_SHARDS }, () => Math.floor(pick() * sizes.length))];
  const runs = shards.map((s) =>
    simulateStorm({
      members: sizes[s]!,
      windowMs,
      phoneRttMs: PHONE_RTT_MS,
      countIntervalMs: intervalMs,
      chunk,
      costs: COSTS,
      random: mulberry32(seed ^ Math.imul(s + 1, 0x9e3779b1)),
    }),
  );
  const worst = (f: (r: StormResult) => number) => Math.max(...runs.map(f));
  return {
    frames: worst((r) => r.frames),
    peakFramesPerSecond: worst((r) => r.peakFramesPerSecond),
    peakBusy: worst((r) => r.peakBusy),
    waitP50Ms: worst((r) => r.waitP50Ms),
    waitP99Ms: worst((r) => r.waitP99Ms),
    waitMaxMs: worst((r) => r.waitMaxMs),
    allReadyMs: worst((r) => r.allReadyMs),
    drainMs: worst((r) => r.drainMs),
  };
}

console.log(
  `# ${MEMBERS.toLocaleString("en")} members, seed ${SEED}, ${flags.costs} costs: ${JSON.stringify(COSTS)}\n` +
    `# broadcast tasks of ${CHUNK} sockets, ${MAX_IN_FLIGHT} RPCs open per object, phone round trips ` +
    `${PHONE_RTT_MS.min}–${PHONE_RTT_MS.max} ms, counts up every ${COUNT_INTERVAL_MS} ms, totals to ` +
    `sockets every ${TOTALS_INTERVAL_MS} ms unless a row says otherwise\n`,
);

console.log(`## Choosing K: members per shard (tree of ${FANOUT}, answer before broadcasting)\n`);
const rows: Array<Array<string | number>> = [];
for (const mean of MEAN_MEMBERS) {
  const shards = Math.ceil(MEMBERS / mean);
  const sizes = shardSizes(MEMBERS, shards, SEED);
  const s = shoot(sizes, FANOUT, COSTS);
  const join = storm(sizes, WINDOWS_MS[0]!, SEED);
  const again = storm(sizes, WINDOWS_MS[1]!, SEED);
  const coordinator = simulateCoordinator(shards, COUNT_INTERVAL_MS, 10_000, COSTS, mulberry32(SEED));
  rows.push([
    mean,
    shards,
    Math.max(...sizes),
    ms(s.last),
    join.peakFramesPerSecond,
    pct(join.peakBusy),
    ms(join.waitP99Ms),
    again.peakFramesPerSecond,
    pct(again.peakBusy),
    ms(again.waitMaxMs),
    `${(again.allReadyMs / 1000).toFixed(1)} s`,
    `${coordinator.rpcPerSecond.toFixed(0)}/s, ${pct(coordinator.busy)}`,
  ]);
}
table(
  [
    "mean/shard",
    "shards S",
    "fullest (K ≥)",
    "shoot: last send ms",
    "60 s join: peak frames/s",
    "peak CPU",
    "wait p99 ms",
    "10 s rejoin: peak frames/s",
    "peak CPU",
    "wait max ms",
    "all ready",
    `coordinator: counts from every shard each ${COUNT_INTERVAL_MS} ms`,
  ],
  rows,
);

console.log(`## The shoot at ${CHOSEN_SHARDS} shards: fan-out, RPC round trip, when a shard answers\n`);
const sizes = shardSizes(MEMBERS, CHOSEN_SHARDS, SEED);
const phoneOneWayMax = PHONE_RTT_MS.max / 2;
const fanRows: Array<Array<string | number>> = [];
for (const rtt of RTTS_MS)
  for (const fanout of FANOUTS)
    for (const ackFirst of [true, false]) {
      const s = shoot(sizes, fanout, { ...COSTS, rpcRttMs: rtt }, ackFirst);
      fanRows.push([
        ms(rtt),
        fanout >= CHOSEN_SHARDS ? "flat" : fanout,
        s.depth,
        ackFirst ? "first" : "after",
        ms(s.lastShardReached),
        ms(s.first),
        ms(s.median),
        ms(s.p99),
        ms(s.last),
        ms(s.last + phoneOneWayMax),
      ]);
    }
table(
  [
    "RPC rtt ms",
    "fan-out",
    "depth",
    "shard answers",
    "last shard reached",
    "first send",
    "median",
    "p99",
    "last",
    `lead ≥ (last + ${phoneOneWayMax} ms to a phone)`,
  ],
  fanRows,
);

console.log(
  `## The join storm at ${CHOSEN_SHARDS} shards (fullest of ${Math.max(...sizes)} and ${SAMPLED_SHARDS} others)\n`,
);
const stormRows: Array<Array<string | number>> = [];
for (const w of WINDOWS_MS)
  for (const [chunk, interval] of [
    [CHUNK, TOTALS_INTERVAL_MS],
    [Infinity, TOTALS_INTERVAL_MS],
    [CHUNK, COUNT_INTERVAL_MS],
    [Infinity, COUNT_INTERVAL_MS],
  ] as const) {
    const r = storm(sizes, w, SEED, chunk, interval);
    stormRows.push([
      `${w / 1000} s`,
      `every ${interval} ms, ${chunk === Infinity ? "one task" : `${chunk} sockets a task`}`,
      r.frames,
      r.peakFramesPerSecond,
      pct(r.peakBusy),
      `${ms(r.waitP50Ms)} / ${ms(r.waitP99Ms)} / ${ms(r.waitMaxMs)}`,
      `${(r.allReadyMs / 1000).toFixed(1)} s`,
      `${ms(r.drainMs)} ms`,
    ]);
  }
table(
  [
    "window",
    "totals broadcast",
    "frames (fullest)",
    "peak frames/s",
    "peak CPU",
    "frame wait p50 / p99 / max ms",
    "all ready",
    "drain after last frame",
  ],
  stormRows,
);
