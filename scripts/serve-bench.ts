// `npm run serve:bench`: the same worker served straight through Miniflare, without the proxy that
// `wrangler dev` puts in front of it (see docs/performance.md "Load test"). Built as `wrangler deploy
// --dry-run` builds it, bound to the Durable Object, R2 and the cache from wrangler.toml, state on disk.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Log, LogLevel, Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";

const ROOT = resolve(import.meta.dirname, "..");

export type BenchServerOptions = {
  port?: number;
  host?: string;
  /** Durable Object, R2 and cache state live here and survive restarts. */
  stateDir?: string;
  /** Extra or overriding `[vars]`. */
  vars?: Record<string, string>;
  inspectorPort?: number;
  /** Keep Miniflare's entry worker (its router) in front of the worker; by default the worker listens
   *  on its own socket, as it would behind Cloudflare's edge. */
  entry?: boolean;
};

/** Bundles the worker exactly as `wrangler deploy` would, into `outDir`; returns the entry module. */
export function buildWorker(outDir: string): string {
  // The bench serves the API only, but wrangler's build refuses a config whose assets folder is missing (a fresh
  // clone before `npm run build:app`).
  if (!existsSync(join(ROOT, "app", "dist"))) {
    const app = spawnSync("npm", ["run", "build:app"], { cwd: ROOT, encoding: "utf8" });
    if (app.status !== 0) throw new Error(`npm run build:app failed:\n${app.stdout}\n${app.stderr}`);
  }
  const wrangler = join(ROOT, "node_modules", ".bin", "wrangler");
  const r = spawnSync(wrangler, ["deploy", "--dry-run", "--outdir", outDir], {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_LOG: "warn" },
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${r.stdout}\n${r.stderr}`);
  return join(outDir, "index.js");
}

/** Durable Object SQLite commits fsync; on a shared disk each one costs milliseconds that production
 *  storage does not, so bench state lives in memory-backed /dev/shm where there is one. */
export const benchStateRoot = () => (existsSync("/dev/shm") ? "/dev/shm" : tmpdir());

export async function startBenchServer(o: BenchServerOptions = {}): Promise<{ url: string; stop(): Promise<void> }> {
  const stateDir = o.stateDir ?? mkdtempSync(join(benchStateRoot(), "simulshot-bench-"));
  mkdirSync(stateDir, { recursive: true });
  const scriptPath = buildWorker(join(stateDir, "build"));
  const { workerOptions } = unstable_getMiniflareWorkerOptions(join(ROOT, "wrangler.toml"));
  // The API only, without the web app's static assets: with them, Miniflare puts its assets router (a
  // JavaScript worker) in front of every request, even /api/* ones it hands on, and in a 1000-upload
  // profile it took more CPU than the worker itself. On Cloudflare, asset routing is not in the isolate.
  const { assets: _assets, ...apiOnly } = workerOptions as typeof workerOptions & { assets?: unknown };
  const mf = new Miniflare({
    ...(apiOnly as object),
    name: "simulshot",
    modules: true,
    modulesRoot: join(stateDir, "build"),
    scriptPath,
    // A bench server is never deployed: without a secret of its own (.dev.vars, --var) it gets a random one.
    bindings: { AUTH_SECRET: randomBytes(32).toString("base64url"), ...workerOptions.bindings, ...o.vars },
    host: o.host ?? "127.0.0.1",
    port: o.entry ? (o.port ?? 8788) : 0,
    ...(o.entry ? {} : { unsafeDirectSockets: [{ host: o.host ?? "127.0.0.1", port: o.port ?? 8788 }] }),
    durableObjectsPersist: join(stateDir, "do"),
    r2Persist: join(stateDir, "r2"),
    cachePersist: join(stateDir, "cache"),
    ...(o.inspectorPort ? { inspectorPort: o.inspectorPort } : {}),
    cf: false,
    log: new Log(LogLevel.WARN),
  } as ConstructorParameters<typeof Miniflare>[0]);
  const url = (o.entry ? await mf.ready : await mf.unsafeGetDirectURL()).toString().replace(/\/$/, "");
  return {
    url,
    stop: async () => {
      await mf.dispose();
      if (!o.stateDir) rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

function parseArgs(argv: string[]): BenchServerOptions {
  const o: BenchServerOptions = { vars: {} };
  for (let i = 0; i < argv.length; i++) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (k === "--port") o.port = Number(v);
    else if (k === "--host") o.host = v;
    else if (k === "--persist-to") o.stateDir = resolve(v ?? "");
    else if (k === "--inspector-port") o.inspectorPort = Number(v);
    else if (k === "--entry") {
      o.entry = true;
      continue;
    } else if (k === "--var" && v?.includes("=")) o.vars![v.slice(0, v.indexOf("="))] = v.slice(v.indexOf("=") + 1);
    else
      throw new Error(
        `unknown argument ${k}; usage: serve-bench [--port N] [--host H] [--persist-to DIR] [--var K=V] [--inspector-port N] [--entry]`,
      );
    i++;
  }
  return o;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const o = parseArgs(process.argv.slice(2));
  const server = await startBenchServer({ stateDir: join(benchStateRoot(), "simulshot-bench-state"), ...o });
  console.log(
    `simulshot (Miniflare${o.entry ? " with its entry worker" : ", worker on its own socket"}) on ${server.url}`,
  );
  const stop = () => void server.stop().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
