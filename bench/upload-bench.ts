// Upload stampede benchmark: N phones upload a photo and its thumb at once (one Node client, every request
// in flight together), against the project and against the floor (the least an upload can do on the same
// server), run floor, project, floor on each server; on Miniflare also the floor with N sockets held open, as the
// project's room holds its guests' (run floor, floor+sockets, project, floor+sockets, floor). `npx tsx
// bench/upload-bench.ts [--quick] [--servers miniflare,deno] [--n 1000]`; --quick is 200 uploads and one floor run.
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import type WebSocket from "ws";
import { startServer, type LocalServer } from "../scripts/local-server.ts";
import { benchStateRoot } from "../scripts/serve-bench.ts";
import { uploadPath } from "../shared/protocol.ts";
import { Api, fixture } from "../test/e2e/kit/api.ts";
import { openSockets, startFloorProcess } from "./floor-process.ts";
import { uploadBurst, type BurstResult, type UploadTarget } from "./upload-burst.ts";

type Kind = "miniflare" | "deno";
const argv = process.argv.slice(2);
const flag = (k: string) => argv.includes(k);
const value = (k: string) => (argv.includes(k) ? argv[argv.indexOf(k) + 1] : undefined);
const QUICK = flag("--quick");
const N = Number(value("--n") ?? (QUICK ? 200 : 1000));
const SERVERS = (value("--servers") ?? "miniflare,deno").split(",") as Kind[];
const FILES = { photo: fixture("photo.jpg"), thumb: fixture("thumb.jpg") };
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

/** Starts the floor for `kind` on a free port and waits until it answers; its state folder goes with it. */
async function startFloor(kind: Kind): Promise<{ url: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(kind === "deno" ? tmpdir() : benchStateRoot(), "simulshot-floor-"));
  const floor =
    kind === "deno"
      ? await startFloorProcess("deno", () => ["npx", "deno", "run", "-A", "bench/upload-floor-deno.ts"], {
          env: { DATA_DIR: dir },
        })
      : await startFloorProcess(
          "miniflare",
          (port) => ["npx", "tsx", "bench/upload-floor-serve.ts", "--port", `${port}`, "--state", dir],
          { quiet: true },
        );
  return {
    url: floor.url,
    stop: async () => {
      await floor.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The floor's burst; with `sockets`, that many WebSockets held open to its Durable Object meanwhile. */
async function floorRun(kind: Kind, tag: string, sockets = 0): Promise<BurstResult> {
  const floor = await startFloor(kind);
  let held: WebSocket[] = [];
  try {
    held = await openSockets(`${floor.url.replace(/^http/, "ws")}/ws`, sockets);
    const target: UploadTarget = { path: (i) => `/upload?member=m${i}`, headers: () => ({}), fields: () => [] };
    return await uploadBurst(floor.url, target, N, FILES, tag);
  } finally {
    for (const ws of held) ws.close();
    await floor.stop();
  }
}

/** The project: N guests join a room over WebSockets, the owner shoots, and at the instant all upload. */
async function projectRun(kind: Kind, tag: string): Promise<BurstResult> {
  const server: LocalServer = await startServer(kind);
  const api = new Api(server.url);
  let guests: Awaited<ReturnType<Api["joinGuests"]>> = [];
  try {
    const { token } = await api.login("Bench");
    const { roomId } = await api.createRoom(token, `upload bench ${N}`);
    guests = await api.joinGuests(roomId, N, tag);
    const shot = await api.shoot(roomId, token);
    if (shot.status !== 202) throw new Error(`shoot: ${shot.status} ${JSON.stringify(shot.body)}`);
    const { shotId, at } = shot.body;
    await new Promise((r) => setTimeout(r, Math.max(0, at - Date.now()) + 100));
    const target: UploadTarget = {
      path: () => uploadPath(roomId, shotId),
      headers: (i) => ({ Authorization: `Bearer ${guests[i]!.uploadToken}` }),
      fields: () => [["shotId", shotId]],
    };
    return await uploadBurst(server.url, target, N, FILES, tag);
  } finally {
    for (const g of guests) g.ws.close();
    await server.stop();
  }
}

const failures = (r: BurstResult) =>
  [...Object.entries(r.noAnswer), ...Object.entries(r.refused)].map(([k, v]) => `${k}×${v}`).join(" ") || "–";

async function main(): Promise<void> {
  console.log(
    `upload bench: ${N} uploads at once, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GB, Node ${process.version}, load ${load()}`,
  );
  const rows: string[] = [];
  const splits: Array<[Kind, Record<string, number>]> = [];
  for (const kind of SERVERS) {
    const runs: Array<[string, BurstResult, string]> = [];
    type What = "floor" | "floor+sockets" | "project";
    const order: What[] = QUICK
      ? ["floor", "project"]
      : kind === "miniflare"
        ? ["floor", "floor+sockets", "project", "floor+sockets", "floor"]
        : ["floor", "project", "floor"];
    for (const [i, what] of order.entries()) {
      const before = load();
      const tag = `${kind}-${what}-${i}-${Date.now()}`;
      const r =
        what === "project" ? await projectRun(kind, tag) : await floorRun(kind, tag, what === "floor+sockets" ? N : 0);
      runs.push([what, r, before]);
      console.log(
        `${kind} ${what}: ${(r.phaseMs / 1000).toFixed(2)} s, ${r.firstTry}/${r.n} on the first attempt (${failures(r)}), load ${before}`,
      );
    }
    const floors = runs.filter(([w]) => w === "floor").map(([, r]) => r.phaseMs);
    const socketFloors = runs.filter(([w]) => w === "floor+sockets").map(([, r]) => r.phaseMs);
    const project = runs.find(([w]) => w === "project")![1];
    splits.push([kind, project.split]);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const floorMs = mean(floors);
    const withSockets = socketFloors.length
      ? `${socketFloors.map((f) => (f / 1000).toFixed(2)).join(" / ")} s | ${(project.phaseMs / mean(socketFloors)).toFixed(2)}×`
      : "– | –";
    rows.push(
      `| ${kind} | ${floors.map((f) => (f / 1000).toFixed(2)).join(" / ")} s | ${withSockets} | ${(project.phaseMs / 1000).toFixed(2)} s | ` +
        `${(project.phaseMs / floorMs).toFixed(2)}× | ${project.firstTry}/${project.n} | ${failures(project)} | ` +
        `${runs
          .filter(([w]) => w !== "project")
          .map(([, r]) => `${r.firstTry}/${r.n}`)
          .join(" ")} |`,
    );
  }
  console.log(
    `\n| server | floor (each run) | floor with ${N} sockets open (each run) | project ÷ that | project | project ÷ mean floor | project first-try acks | project failures | floor first-try acks |`,
  );
  console.log(`|---|---:|---:|---:|---:|---:|---:|---|---|`);
  for (const r of rows) console.log(r);
  for (const [kind, split] of splits)
    console.log(
      `${kind} project, Server-Timing per upload (mean ms, overlapping): ${Object.entries(split)
        .map(([k, v]) => `${k} ${v.toFixed(1)}`)
        .join(", ")}`,
    );
  console.log(`(${FILES.photo.length} B photo + ${FILES.thumb.length} B thumb per upload; load after: ${load()})`);
}

await main();
