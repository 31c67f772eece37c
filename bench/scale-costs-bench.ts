// The per-hop and per-message costs the scale simulation (scripts/scale-sim/) runs on, measured on
// `serve:bench` (Miniflare, one workerd process): a Worker → Durable Object RPC hop, and the room
// object's CPU per inbound join, ping, ready and fired frame and per outbound shoot send.
// Run: `npx tsx bench/scale-costs-bench.ts` (BENCH_SOCKETS=600 by default).
import { readdirSync, readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { createServer } from "node:net";
import { loadavg } from "node:os";
import WebSocket from "ws";
import { startBenchServer } from "../scripts/serve-bench.ts";
import { Api } from "../test/e2e/kit/api.ts";

const SOCKETS = Number(process.env.BENCH_SOCKETS ?? 600);
const PINGS = 30; // per socket per round: inside the room's burst of 64 frames
const PING_ROUNDS = 3;
const RPC_ROUNDS = 5;
const RPC_PER_ROUND = 300;

type Sock = { ws: WebSocket; on: (m: any) => void };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const load = () => loadavg()[0]!.toFixed(1);

/** A port nobody listens on now (other benches on this machine may hold serve:bench's default). */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** The workerd process Miniflare started for us. */
function workerdPid(): number {
  const out = execFileSync("ps", ["-o", "pid=,comm=", "--ppid", String(process.pid)], { encoding: "utf8" });
  const line = out.split("\n").find((l) => l.includes("workerd"));
  if (!line) throw new Error(`no workerd child of ${process.pid}:\n${out}`);
  return Number(line.trim().split(/\s+/)[0]);
}

/** CPU time of every thread of `pid` so far, ns (schedstat: exact, not 10 ms ticks). */
function cpuNs(pid: number): number {
  let ns = 0;
  for (const t of readdirSync(`/proc/${pid}/task`))
    ns += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, "utf8").split(" ")[0]);
  return ns;
}

/** Runs `fn` and returns its wall time and workerd's CPU time over it, both in µs. */
async function measure(pid: number, fn: () => Promise<void>): Promise<{ wallUs: number; cpuUs: number }> {
  const c0 = cpuNs(pid);
  const t0 = performance.now();
  await fn();
  return { wallUs: (performance.now() - t0) * 1000, cpuUs: (cpuNs(pid) - c0) / 1000 };
}

async function open(url: string): Promise<Sock> {
  const ws = new WebSocket(url);
  const s: Sock = { ws, on: () => {} };
  ws.on("message", (data) => s.on(JSON.parse(String(data))));
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  return s;
}

/** Sends `frames(i)` on every socket at once and resolves when `done(i, m)` held `count(i)` times on each. */
async function burst(
  socks: Sock[],
  frames: (i: number) => unknown[],
  done: (m: any) => boolean,
  count: number,
): Promise<void> {
  await Promise.all(
    socks.map(
      (s, i) =>
        new Promise<void>((resolve) => {
          let left = count;
          s.on = (m) => {
            if (done(m) && --left === 0) resolve();
          };
          for (const f of frames(i)) s.ws.send(JSON.stringify(f));
        }),
    ),
  );
}

async function main() {
  const server = await startBenchServer({ port: await freePort(), vars: { SHOT_WINDOW_MS: "1000" } });
  const pid = workerdPid();
  const api = new Api(server.url);
  try {
    const { token } = await api.login("Costs bench");
    const { roomId } = await api.createRoom(token, "costs");
    console.log(`serve:bench at ${server.url}, workerd pid ${pid}, ${SOCKETS} sockets, load ${load()}`);

    // 1. The hop: a route that calls the room (one RPC, `info()`) against the same route refused before
    //    any RPC (a malformed room id, 404), interleaved, one request at a time.
    const hop = { floor: [] as number[], rpc: [] as number[], floorCpu: 0, rpcCpu: 0 };
    for (let r = 0; r < RPC_ROUNDS; r++) {
      for (const kind of ["floor", "rpc"] as const) {
        const path = kind === "rpc" ? `/api/rooms/${roomId}` : "/api/rooms/not!an!id";
        const m = await measure(pid, async () => {
          for (let i = 0; i < RPC_PER_ROUND; i++) {
            const t0 = performance.now();
            await (await fetch(server.url + path)).arrayBuffer();
            hop[kind].push((performance.now() - t0) * 1000);
          }
        });
        if (kind === "rpc") hop.rpcCpu += m.cpuUs;
        else hop.floorCpu += m.cpuUs;
      }
    }
    const n = RPC_ROUNDS * RPC_PER_ROUND;
    console.log(
      `hop: request median ${median(hop.floor).toFixed(0)} µs without the room, ${median(hop.rpc).toFixed(0)} µs ` +
        `with one RPC → hop ${(median(hop.rpc) - median(hop.floor)).toFixed(0)} µs wall; workerd CPU per request ` +
        `${(hop.floorCpu / n).toFixed(0)} → ${(hop.rpcCpu / n).toFixed(0)} µs, hop ${((hop.rpcCpu - hop.floorCpu) / n).toFixed(0)} µs`,
    );

    // 2. Inbound frames: joins, then rounds of pings, then `ready`, each sent by every socket at once.
    const socks: Sock[] = [];
    for (let i = 0; i < SOCKETS; i += 50)
      socks.push(
        ...(await Promise.all(Array.from({ length: Math.min(50, SOCKETS - i) }, () => open(api.wsUrl(roomId))))),
      );
    const perFrame = (m: { wallUs: number; cpuUs: number }, frames: number) =>
      `${(m.cpuUs / frames).toFixed(1)} µs CPU/frame, ${(frames / (m.wallUs / 1e6)).toFixed(0)} frames/s drained ` +
      `(${frames} frames in ${(m.wallUs / 1000).toFixed(0)} ms, load ${load()})`;
    const join = await measure(pid, () =>
      burst(
        socks,
        (i) => [{ type: "join", v: 1, clientId: `c${i}`, name: `c${i}` }],
        (m) => m.type === "welcome",
        1,
      ),
    );
    console.log(`join: ${perFrame(join, SOCKETS)}`);
    await sleep(500);
    for (let r = 0; r < PING_ROUNDS; r++) {
      const ping = await measure(pid, () =>
        burst(
          socks,
          () => Array.from({ length: PINGS }, (_, id) => ({ type: "ping", id, t0: Date.now() })),
          (m) => m.type === "pong",
          PINGS,
        ),
      );
      console.log(`ping: ${perFrame(ping, SOCKETS * PINGS)}`);
      await sleep(1500); // the rate limiter's bucket refills (50 frames/s)
    }
    const ready = await measure(pid, () =>
      burst(
        socks,
        () => [{ type: "ready", error: 1 }],
        (m) => m.type === "members" && m.ready === SOCKETS,
        1,
      ),
    );
    console.log(`ready (to the coalesced count back): ${perFrame(ready, SOCKETS)}`);

    // 3. Outbound: a `members` broadcast (one guest more joins: its join, then one frame to every
    //    socket) and the shoot (one RPC, a row per member, one frame to every socket). Twice with all
    //    sockets and twice with half, so the per-socket cost is the slope and the fixed costs drop out.
    let extra = 0;
    for (const count of [SOCKETS, SOCKETS, SOCKETS / 2, SOCKETS / 2]) {
      await sleep(3000); // the previous shot's window closes
      while (socks.length > count) socks.pop()!.ws.close();
      await sleep(500);
      const newcomer = await open(api.wsUrl(roomId));
      const members = await measure(pid, async () => {
        const all = Promise.all(
          socks.map(
            (s) =>
              new Promise<void>((resolve) => {
                s.on = (m) => {
                  if (m.type === "members") resolve();
                };
              }),
          ),
        );
        newcomer.ws.send(JSON.stringify({ type: "join", v: 1, clientId: `extra${extra++}`, name: "extra" }));
        await all;
      });
      newcomer.ws.close();
      console.log(`members broadcast to ${count} (+ one join): workerd CPU ${(members.cpuUs / 1000).toFixed(1)} ms`);
      await sleep(500);
      const got: number[] = [];
      let shotId = "";
      let t0 = 0;
      const shoot = await measure(pid, async () => {
        const all = Promise.all(
          socks.map(
            (s) =>
              new Promise<void>((resolve) => {
                s.on = (m) => {
                  if (m.type !== "shoot") return;
                  got.push(performance.now() - t0);
                  shotId = m.shotId;
                  resolve();
                };
              }),
          ),
        );
        t0 = performance.now();
        const r = await api.shoot(roomId, token);
        if (r.status !== 202) throw new Error(`shoot: ${r.status} ${JSON.stringify(r.body)}`);
        await all;
      });
      got.sort((a, b) => a - b);
      console.log(
        `shoot to ${count}: workerd CPU ${(shoot.cpuUs / 1000).toFixed(1)} ms; first ${got[0]!.toFixed(1)} ms, ` +
          `median ${median(got).toFixed(1)} ms, last ${got.at(-1)!.toFixed(1)} ms after the request (load ${load()})`,
      );
      const at = Date.now();
      const fired = await measure(pid, async () => {
        for (const s of socks) s.on = () => {};
        for (const s of socks) s.ws.send(JSON.stringify({ type: "fired", shotId, firedAt: at, offset: 0, error: 1 }));
        // `fired` has no answer: a ping behind it on each socket says the room got there.
        await burst(
          socks,
          () => [{ type: "ping", id: -1, t0: 0 }],
          (m) => m.type === "pong",
          1,
        );
      });
      console.log(`fired (+ one ping each): ${perFrame(fired, count * 2)}`);
    }
    for (const s of socks) s.ws.close();
  } finally {
    await server.stop();
  }
}

await main();
