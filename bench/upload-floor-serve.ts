// Serves bench/upload-floor-worker.ts as `npm run serve:bench` serves the project: Miniflare, the worker on
// its own socket, R2 and the Durable Object's SQLite on /dev/shm. `npx tsx bench/upload-floor-serve.ts --port N
// [--state DIR]`: with --state the caller owns the folder and removes it (the bench kills this process's whole group,
// workerd included, and a state left behind after a burst is ~240 MB of memory); without, it is removed on exit.
import { mkdtempSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { Log, LogLevel, Miniflare } from "miniflare";
import { benchStateRoot } from "../scripts/serve-bench.ts";

const arg = (k: string) => process.argv[process.argv.indexOf(k) + 1];
const port = process.argv.includes("--port") ? Number(arg("--port")) : 8789;
const owned = !process.argv.includes("--state");
const stateDir = owned ? mkdtempSync(join(benchStateRoot(), "simulshot-floor-")) : (arg("--state") ?? "");
const script = join(stateDir, "floor.js");
await build({
  entryPoints: [resolve(import.meta.dirname, "upload-floor-worker.ts")],
  bundle: true,
  format: "esm",
  target: "es2022",
  external: ["cloudflare:workers"],
  outfile: script,
  logLevel: "warning",
});
const mf = new Miniflare({
  name: "floor",
  modules: true,
  modulesRoot: stateDir,
  scriptPath: script,
  cf: false,
  compatibilityDate: "2026-04-20",
  durableObjects: { ROOMS: { className: "FloorRoom", useSQLite: true } },
  r2Buckets: { PHOTOS: "floor-photos" },
  port: 0,
  unsafeDirectSockets: [{ host: "127.0.0.1", port }],
  durableObjectsPersist: join(stateDir, "do"),
  r2Persist: join(stateDir, "r2"),
  log: new Log(LogLevel.WARN),
});
console.log(`upload floor (Miniflare) on ${(await mf.unsafeGetDirectURL()).toString()}`);
if (owned) process.on("exit", () => rmSync(stateDir, { recursive: true, force: true }));
const stop = () => void mf.dispose().finally(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
