// Shoot delivery against its floor: N sockets joined, then one shoot, timed from the request to the frame's arrival
// at each socket (first, median, last), on the project's Deno server (a sharded room, SHARD_MEMBERS=1000) and on a
// bare server that only sends one frame to every socket (bench/shoot-floor-deno.ts), floor, project, floor for each
// N. `npm run bench:shoot [-- --n 1000,10000] [--settle ms]` (it raises the open-file limit); the client shares the
// cores.
import WebSocket from "ws";
import { startServer } from "../scripts/local-server.ts";
import { Api } from "../test/e2e/kit/api.ts";
import { openSockets, startFloorProcess } from "./floor-process.ts";

const argv = process.argv.slice(2);
const SIZES = (argv.includes("--n") ? argv[argv.indexOf("--n") + 1]! : "1000,10000").split(",").map(Number);
/** The wait between the last join and the shoot: `--settle 0` shoots right after the join storm. */
const SETTLE_MS = argv.includes("--settle") ? Number(argv[argv.indexOf("--settle") + 1]) : 3000;

type Delivery = { first: number; p50: number; last: number; got: number };

/** Resolves with each socket's arrival time of its next frame of `type`, once all have one (or after 30 s). */
function arrivals(sockets: WebSocket[], type: string): Promise<number[]> {
  return new Promise((done) => {
    const at: number[] = [];
    const timer = setTimeout(() => done(at), 30_000);
    for (const ws of sockets) {
      const on = (d: WebSocket.RawData) => {
        if ((JSON.parse(String(d)) as { type: string }).type !== type) return;
        ws.off("message", on);
        at.push(performance.now());
        if (at.length === sockets.length) {
          clearTimeout(timer);
          done(at);
        }
      };
      ws.on("message", on);
    }
  });
}

async function deliver(sockets: WebSocket[], shoot: () => Promise<unknown>): Promise<Delivery> {
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const arrived = arrivals(sockets, "shoot");
  const t0 = performance.now();
  await shoot();
  const at = (await arrived).map((t) => t - t0).sort((a, b) => a - b);
  return { first: at[0]!, p50: at[Math.floor(at.length / 2)]!, last: at[at.length - 1]!, got: at.length };
}

async function floorRun(n: number): Promise<Delivery> {
  const floor = await startFloorProcess("shoot", () => ["npx", "deno", "run", "-A", "bench/shoot-floor-deno.ts"]);
  try {
    const sockets = await openSockets(floor.url.replace("http", "ws"), n);
    const d = await deliver(sockets, () => fetch(`${floor.url}/shoot`, { method: "POST" }));
    for (const ws of sockets) ws.terminate();
    return d;
  } finally {
    await floor.stop();
  }
}

async function projectRun(n: number): Promise<Delivery> {
  const server = await startServer("deno", { vars: { SHARD_MEMBERS: "1000" } });
  try {
    const api = new Api(server.url);
    const { token } = await api.login("Bench");
    const { roomId } = await api.createRoom(token, `shoot bench ${n}`, n);
    const guests = (await api.joinGuests(roomId, n, "g")).map((g) => g.ws);
    const d = await deliver(guests, async () => {
      const r = await api.shoot(roomId, token);
      if (r.status !== 202) throw new Error(`shoot: ${r.status}`);
    });
    for (const ws of guests) ws.terminate();
    return d;
  } finally {
    await server.stop();
  }
}

const ms = (d: Delivery) => `${d.first.toFixed(0)} / ${d.p50.toFixed(0)} / ${d.last.toFixed(0)} ms (${d.got})`;
console.log(`shoot ${SETTLE_MS} ms after the last join`);
console.log("| sockets | floor: first / p50 / last (got) | project | floor again | project last ÷ mean floor last |");
console.log("|---:|---|---|---|---:|");
for (const n of SIZES) {
  const a = await floorRun(n);
  const p = await projectRun(n);
  const b = await floorRun(n);
  console.log(`| ${n} | ${ms(a)} | ${ms(p)} | ${ms(b)} | ${(p.last / ((a.last + b.last) / 2)).toFixed(2)}× |`);
}
process.exit(0);
