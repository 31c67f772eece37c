// `npm run loadtest -- --clients N [--url URL] [--processes P] [--summary FILE] [--report FILE.html]`:
// runs loadtest/room.ts with k6 when k6 is on the PATH, otherwise with the k6-compatible runner in this
// folder, against URL or a local server it starts and stops itself. Other knobs come from the environment.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { writeFileSync } from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startServer, type LocalServer, type ServerKind } from "../../scripts/local-server.ts";
import { startLatencyProxy, type LatencyProxy } from "../../scripts/latency-proxy.ts";
import { fileLimit, filePlan } from "./open-files.ts";
import { canReadCpu, sampleCpu, type CpuSample } from "./proc-cpu.ts";
import { progressPrinter } from "./progress.ts";
import { renderReport, type RoomSummary } from "./report.ts";
import { ScriptError, run } from "./run.ts";
import { serverCost, serverCostLine, type RunEdges } from "./server-cost.ts";

const USAGE = `usage: npm run loadtest -- --clients N [--url URL] [--processes P] [--summary FILE] [--report FILE.html]
       [--server miniflare|wrangler|deno] [--runner auto|k6|builtin] [--script loadtest/room.ts] [-e KEY=VALUE]...
       [--restart-at-ms MS]   (kill and restart the local server MS after the run starts, keeping its state)
Knobs from the environment: DROP, RECONNECT, DELAY_MS, DOWNLOAD=all|thumbs|none, PER_CLIENT, SKEW=1, SPREAD=0, PHOTO_KB,
EXPECTED, SHOOT_AFTER_MS, GUARD_MS (see loadtest/room.ts),
LATENCY=MIN:MAX (every connection through a loopback proxy with a MIN–MAX ms round trip, jitter and uplink spikes).`;

type Args = {
  clients: number;
  url?: string;
  processes?: number;
  summary?: string;
  report?: string;
  server: ServerKind;
  runner: "auto" | "k6" | "builtin";
  script: string;
  env: Record<string, string>;
  restartAtMs?: number;
};

function parseArgs(argv: string[]): Args {
  const a: Args = { clients: 10, server: "miniflare", runner: "auto", script: "loadtest/room.ts", env: {} };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
    if (flag === "--clients") a.clients = Number(value);
    else if (flag === "--url") a.url = value.replace(/\/$/, "");
    else if (flag === "--processes") a.processes = Number(value);
    else if (flag === "--summary") a.summary = resolve(value);
    else if (flag === "--report") a.report = resolve(value);
    else if (flag === "--server") a.server = value as ServerKind;
    else if (flag === "--runner") a.runner = value as Args["runner"];
    else if (flag === "--script") a.script = value;
    else if (flag === "--restart-at-ms") a.restartAtMs = Number(value);
    else if (flag === "-e" && value.includes("="))
      a.env[value.slice(0, value.indexOf("="))] = value.slice(value.indexOf("=") + 1);
    else throw new Error(`unknown argument ${flag}\n${USAGE}`);
  }
  if (!Number.isInteger(a.clients) || a.clients < 1) throw new Error(`--clients must be a positive integer\n${USAGE}`);
  if (!["miniflare", "wrangler", "deno"].includes(a.server))
    throw new Error(`--server is miniflare, wrangler or deno\n${USAGE}`);
  if (!["auto", "k6", "builtin"].includes(a.runner)) throw new Error(`--runner is auto, k6 or builtin\n${USAGE}`);
  if (a.restartAtMs !== undefined && (a.url || !(a.restartAtMs >= 0)))
    throw new Error(`--restart-at-ms needs a number of ms and the local server (no --url)\n${USAGE}`);
  return a;
}

const hasK6 = () => spawnSync("k6", ["version"], { stdio: "ignore" }).status === 0;

/** One process per 500 VUs, at most one per core: a process's event loop is what limits fire precision. */
const autoProcesses = (clients: number) => Math.max(1, Math.min(availableParallelism(), Math.ceil(clients / 500)));

async function withK6(a: Args, env: Record<string, string>, points: string | null): Promise<number> {
  const flags = Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
  const child = spawn("k6", ["run", ...flags, ...(points ? ["--out", `json=${points}`] : []), a.script], {
    stdio: "inherit",
  });
  return new Promise((r) => child.on("exit", (code) => r(code ?? 1)));
}

function fireErrorsFromK6(points: string): number[] {
  const out: number[] = [];
  for (const line of readFileSync(points, "utf8").split("\n")) {
    if (!line.includes('"fire_error"')) continue;
    const p = JSON.parse(line) as { type: string; metric: string; data: { value: number } };
    if (p.type === "Point" && p.metric === "fire_error") out.push(p.data.value);
  }
  return out;
}

/** Kills and restarts the local server `ms` from now, keeping its state; `finish` says when and for how long. */
function scheduleRestart(server: LocalServer, ms: number) {
  const started = Date.now();
  let done: Promise<{ at_ms: number; down_ms: number }> | null = null;
  const timer = setTimeout(() => {
    const at = Date.now() - started;
    process.stderr.write(`restarting the server ${at} ms into the run…\n`);
    done = server.restart().then(() => {
      const down = Date.now() - started - at;
      process.stderr.write(`server back after ${down} ms\n`);
      return { at_ms: at, down_ms: down };
    });
  }, ms);
  return {
    finish: async () => {
      clearTimeout(timer);
      return done ? await done : null;
    },
  };
}

/** Stops a run the open-file limit cannot hold, and warns when it may run short during the uploads. */
function checkOpenFiles(clients: number): void {
  const limit = fileLimit();
  const plan = limit ? filePlan(clients, limit) : null;
  if (plan?.action === "fail") throw new Error(plan.message);
  if (plan?.action === "short") process.stderr.write(`${plan.message}\n`);
}

/** The server's CPU per member and phase into the summary file and onto stdout ("unknown" without a server
 *  of its own to read). */
function reportServerCost(summaryFile: string | undefined, samples: CpuSample[] | null, server: string | null): void {
  if (!summaryFile) return;
  let summary: RunEdges & Record<string, unknown>;
  try {
    summary = JSON.parse(readFileSync(summaryFile, "utf8")) as RunEdges & Record<string, unknown>;
  } catch {
    return; // the script wrote no summary (it failed)
  }
  const cost = serverCost(summary, samples, server ? `no /proc to read the ${server} server's CPU from` : undefined);
  process.stdout.write(`${serverCostLine(cost, server ?? "")}\n`);
  writeFileSync(summaryFile, JSON.stringify({ ...summary, server_cpu: cost }, null, 2));
}

/** The server settings a run may set from its environment (e.g. SHARD_MEMBERS=1000 npm run loadtest …), passed
 *  to the server the runner starts: Deno reads its environment, Miniflare takes them as vars. */
const SERVER_VARS = ["SHARD_MEMBERS", "MAX_ROOM_MEMBERS", "UPLOAD_SPREAD_RATE", "UPLOAD_RATE_LIMIT", "SHOT_WINDOW_MS"];
function serverVars(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(SERVER_VARS.flatMap((k) => (env[k] === undefined ? [] : [[k, env[k]!]])));
}

async function main(argv: string[]): Promise<number> {
  const a = parseArgs(argv);
  const useK6 = a.runner === "k6" || (a.runner === "auto" && hasK6());
  // The server holds every client's sockets; with --url the server is not ours, and the runner's processes
  // share the clients (k6 is one process).
  const processes = a.processes ?? autoProcesses(a.clients);
  checkOpenFiles(a.url && !useK6 ? Math.ceil(a.clients / processes) : a.clients);
  const tmp = mkdtempSync(join(tmpdir(), "simulshot-loadtest-"));
  // Always a summary when the runner starts the server: its CPU per phase is cut at the summary's phase edges.
  const summaryFile = a.summary ?? (a.report || !a.url ? join(tmp, "summary.json") : undefined);
  let server: LocalServer | null = null;
  let proxy: LatencyProxy | null = null;
  try {
    if (!a.url) {
      process.stderr.write(`starting a local server (${a.server})…\n`);
      server = await startServer(a.server, { vars: serverVars(process.env) });
    }
    const latency = a.env.LATENCY ?? process.env.LATENCY;
    if (latency) {
      proxy = await startLatencyProxy(a.url ?? server!.url, latency);
      process.stderr.write(`through a latency proxy (LATENCY=${latency}: round trips in ms, jitter, uplink spikes)\n`);
    }
    const base = proxy?.url ?? a.url ?? server!.url;
    const local = server;
    const cpu = local && canReadCpu() ? sampleCpu(() => local.child().pid) : null;
    const env = {
      ...a.env,
      CLIENTS: String(a.clients),
      BASE_URL: base,
      ...(summaryFile ? { SUMMARY: summaryFile } : {}),
    };
    let exitCode: number;
    let fireErrors: number[] = [];
    const restart = a.restartAtMs === undefined ? null : scheduleRestart(server!, a.restartAtMs);
    if (useK6) {
      if (a.processes) process.stderr.write("k6 uses every core by itself: --processes is ignored\n");
      const points = a.report ? join(tmp, "points.json") : null;
      exitCode = await withK6(a, env, points);
      if (points) fireErrors = fireErrorsFromK6(points);
    } else {
      process.stderr.write(
        `running ${a.script} with the built-in k6 runner: ${a.clients} VUs in ${processes} process(es) against ${base}\n`,
      );
      const printer = progressPrinter();
      const r = await run({
        script: a.script,
        env: { ...(process.env as Record<string, string>), ...env },
        processes,
        onProgress: printer.show,
      }).finally(printer.end);
      exitCode = r.exitCode;
      const fe = r.sinks.get("fire_error");
      fireErrors = fe?.type === "trend" ? fe.values : [];
    }
    const restarted = await restart?.finish();
    const samples = cpu?.stop() ?? null;
    reportServerCost(summaryFile, samples, server?.kind ?? null);
    if (restart && summaryFile) {
      const summary = JSON.parse(readFileSync(summaryFile, "utf8")) as Record<string, unknown>;
      writeFileSync(summaryFile, JSON.stringify({ ...summary, restart: restarted ?? null }, null, 2));
    }
    if (a.report && summaryFile) {
      const summary = JSON.parse(readFileSync(summaryFile, "utf8")) as RoomSummary;
      const machine = `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${useK6 ? "k6" : "built-in runner"}`;
      const command = `npm run loadtest -- ${argv.join(" ")}`;
      writeFileSync(a.report, renderReport({ summary, fireErrors, command, machine, date: new Date() }));
      process.stderr.write(`report: ${a.report}\n`);
    }
    return exitCode;
  } finally {
    await proxy?.stop();
    await server?.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof ScriptError ? e.message : e);
    process.exit(e instanceof ScriptError ? e.exitCode : 1);
  },
);
